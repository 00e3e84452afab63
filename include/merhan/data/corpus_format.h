// The corpus release formats merhan reads (data.format) and each one's label codes:
// the native classes of the release and the default 4-class map onto IEMOCAP's
// neutral/happy/angry/sad for cross-corpus work (docs/corpora.md).
//
//   format       native codes                                       neu      hap    ang    sad
//   iemocap      neu hap exc ang sad fru fea sur dis oth xxx        neu      hap+exc ang   sad
//   manifest     whatever the manifest's label column holds         (data.classes / data.merge as given)
//   msp-podcast  A S H U F D C N O X                                N        H      A      S
//   meld         neutral joy sadness anger surprise fear disgust    neutral  joy    anger  sadness
//   crema-d      ANG DIS FEA HAP NEU SAD                            NEU      HAP    ANG    SAD
//   ravdess      neutral calm happy sad angry fearful disgust       neutral  happy  angry  sad
//                surprised                                          (calm is dropped unless mapped)
//
// Plain C++ (no LibTorch): DataOptions validates with it, and the fuzz harnesses reach it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "merhan/data/data_options.h"

namespace merhan {

enum class CorpusFormat { kIemocap, kManifest, kMspPodcast, kMeld, kCremaD, kRavdess };

// "iemocap", "manifest", "msp-podcast", "meld", "crema-d", "ravdess".
const std::vector<std::string>& CorpusFormatNames();
std::string CorpusFormatName(CorpusFormat format);
// Throws UsageError "data.format: unknown format 'x' (expected ...)".
CorpusFormat ParseCorpusFormat(const std::string& name);

// The release's label codes (empty for a manifest: any code).
const std::vector<std::string>& NativeCodes(CorpusFormat format);
// The default 4-class map: class (neu, hap, ang, sad) -> the release's codes for it.
std::map<std::string, std::vector<std::string>> DefaultFourClassMerge(CorpusFormat format);
// Whether the release defines a train/development/test split of its own
// (data.protocol official): MSP-Podcast and MELD.
bool HasOfficialSplit(CorpusFormat format);

// The class -> codes map a reader of `format` applies. data.merge as given, except that
// for the release formats (msp-podcast, meld, crema-d, ravdess) a data.merge left at its
// default (IEMOCAP's hap <- hap, exc) means the release's 4-class map: each of
// data.classes named neu, hap, ang or sad takes the release's codes for it, any other
// class its own code (so data.classes = the native codes, with data.merge = {}, reads
// the native classes). Throws UsageError naming data.classes or data.merge.<class> when
// a code is not one of the release's.
std::map<std::string, std::vector<std::string>> EffectiveMerge(const DataOptions& options);

}  // namespace merhan
