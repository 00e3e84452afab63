#include "merhan/data/collate.h"

#include <algorithm>
#include <cstring>

#include "merhan/util/error.h"
#include "merhan/util/logging.h"

namespace merhan {
namespace {

struct Padded {
  torch::Tensor values, mask, lengths;
};

// Float streams are float32 or float16 in a cache; token ids are int32.
bool Accepts(FeatureDtype expected, FeatureDtype dtype) {
  return dtype == expected || (expected == FeatureDtype::kFloat32 && dtype == FeatureDtype::kFloat16);
}

// The common column count of a stream's items; empty items (0 rows) do not count.
int64_t CommonColumns(const CollateStream& s, const std::vector<std::string>& ids, FeatureDtype dtype) {
  int64_t cols = -1;
  for (size_t b = 0; b < s.items.size(); ++b) {
    const FeatureView& v = s.items[b];
    if (!Accepts(dtype, v.dtype)) {
      throw DataError(Cat(s.source, ": ", ids[b], " has ", FeatureDtypeName(v.dtype), " features, stream ",
                          StreamKindName(s.kind), " expects ", FeatureDtypeName(dtype)));
    }
    if (v.rows == 0) continue;
    if (cols >= 0 && v.cols != cols) {
      throw DataError(Cat(s.source, ": ", ids[b], " has ", v.cols, " columns, others ", cols));
    }
    cols = v.cols;
  }
  if (cols < 0) cols = s.items.empty() ? 0 : s.items[0].cols;
  return cols;
}

// (B, T, cols) of T's scalar type, zero-padded to the longest item (at least one
// position, so that a batch of empty items still has a masked one); copy(view, dst)
// writes one item's rows * cols values.
template <typename T, typename Copy>
Padded Pad(const CollateStream& s, const std::vector<std::string>& ids, FeatureDtype dtype, const Copy& copy) {
  const int64_t cols = CommonColumns(s, ids, dtype);
  const int64_t batch = static_cast<int64_t>(s.items.size());
  int64_t longest = 1;
  for (const FeatureView& v : s.items) longest = std::max(longest, v.rows);
  Padded p;
  p.values = torch::zeros({batch, longest, cols}, c10::CppTypeToScalarType<T>::value);
  p.mask = torch::zeros({batch, longest}, torch::kBool);
  p.lengths = torch::zeros({batch}, torch::kInt64);
  T* dst = p.values.data_ptr<T>();
  bool* m = p.mask.data_ptr<bool>();
  int64_t* len = p.lengths.data_ptr<int64_t>();
  for (int64_t b = 0; b < batch; ++b) {
    const FeatureView& v = s.items[static_cast<size_t>(b)];
    if (v.rows > 0) copy(v, dst + b * longest * cols);
    std::fill(m + b * longest, m + b * longest + v.rows, true);
    len[b] = v.rows;
  }
  return p;
}

Padded PadFloats(const CollateStream& s, const std::vector<std::string>& ids) {
  return Pad<float>(s, ids, FeatureDtype::kFloat32, [](const FeatureView& v, float* dst) {
    if (v.dtype == FeatureDtype::kFloat32) {
      std::memcpy(dst, v.data, static_cast<size_t>(v.rows * v.cols) * sizeof(float));
      return;
    }
    const auto* src = static_cast<const c10::Half*>(v.data);
    std::transform(src, src + v.rows * v.cols, dst, [](c10::Half h) { return static_cast<float>(h); });
  });
}

// Token ids are int32 in the cache and int64 in a batch (the embedding's index type).
Padded PadIds(const CollateStream& s, const std::vector<std::string>& ids) {
  return Pad<int64_t>(s, ids, FeatureDtype::kInt32, [](const FeatureView& v, int64_t* dst) {
    const auto* src = static_cast<const int32_t*>(v.data);
    std::copy(src, src + v.rows * v.cols, dst);
  });
}

}  // namespace

Batch Collate(std::vector<std::string> ids, const std::vector<int64_t>& labels,
              const std::vector<CollateStream>& streams) {
  const int64_t n = static_cast<int64_t>(ids.size());
  if (static_cast<int64_t>(labels.size()) != n) throw InternalError("Collate: one label per utterance expected");
  Batch batch;
  batch.labels = torch::tensor(labels, torch::kInt64);
  bool has_hidden = false;
  for (const CollateStream& s : streams) has_hidden = has_hidden || s.kind == StreamKind::kEncoderHidden;
  for (const CollateStream& s : streams) {
    if (static_cast<int64_t>(s.items.size()) != n) {
      throw InternalError(
          Cat("Collate: stream ", StreamKindName(s.kind), " has ", s.items.size(), " items for ", n, " utterances"));
    }
    switch (s.kind) {
      case StreamKind::kMfcc: {
        Padded p = PadFloats(s, ids);
        batch.audio = p.values;
        batch.audio_mask = p.mask;
        batch.audio_lengths = p.lengths;
        break;
      }
      case StreamKind::kEncoderHidden: {
        Padded p = PadFloats(s, ids);
        batch.text = p.values;
        batch.text_mask = p.mask;
        break;
      }
      case StreamKind::kTokenIds: {
        Padded p = PadIds(s, ids);
        batch.input_ids = p.values.squeeze(-1);
        batch.token_type_ids = torch::zeros_like(batch.input_ids);
        if (!has_hidden) batch.text_mask = p.mask;
        break;
      }
      case StreamKind::kPrecomputed: {
        Padded p = PadFloats(s, ids);
        batch.streams[s.name] = PaddedStream{p.values, p.mask, p.lengths};
        break;
      }
    }
  }
  batch.ids = std::move(ids);
  return batch;
}

FeatureView ViewOf(const FeatureMatrix& m) {
  FeatureView v;
  v.rows = m.rows;
  v.cols = m.cols;
  v.dtype = m.dtype;
  v.data = m.bytes();
  return v;
}

}  // namespace merhan
