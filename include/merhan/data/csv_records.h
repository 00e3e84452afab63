// RFC 4180 CSV records, the one CSV parser of merhan's data path: manifests
// (data/manifest_reader) and the release label files of MELD (data/meld_reader),
// MSP-Podcast (data/msp_podcast_reader) and CREMA-D's demographics (data/crema_d_reader).
// Comma separated, fields optionally in double quotes ("" is a quote inside quotes,
// quoted fields may hold commas and span lines), CRLF or LF, a leading UTF-8 BOM skipped,
// blank lines not records. Plain C++ (no LibTorch): the fuzz harnesses reach it.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace merhan {

struct CsvRecord {
  size_t line = 0;  // line where the record starts (1-based)
  std::vector<std::string> fields;
  bool unterminated = false;  // a quoted field ran to the end of the text
};

std::vector<CsvRecord> ParseCsv(const std::string& text);

// A CSV file with a header row: the records, and each header name's column (names
// trimmed of spaces and tabs).
struct CsvTable {
  std::string path;
  std::vector<CsvRecord> rows;  // the records after the header
  std::map<std::string, size_t> column;

  // Parses `text` (read from `path`). Throws DataError "path: empty (expected a header
  // row)" and "path:1: header has no 'X' column (...)" for each of `required` missing.
  static CsvTable Parse(const std::string& path, const std::string& text, const std::vector<std::string>& required);

  // `row`'s field in column `name` (trimmed unless `trim` is false). Throws DataError
  // "path:line: expected N fields, found M" or "unterminated quoted field".
  std::string Field(const CsvRecord& row, const std::string& name) const;
  std::string RawField(const CsvRecord& row, const std::string& name) const;
  bool Has(const std::string& name) const { return column.count(name) > 0; }
  // "path:line" of a row.
  std::string Where(const CsvRecord& row) const { return path + ":" + std::to_string(row.line); }
  // Throws the DataError Field would for a malformed row.
  void CheckShape(const CsvRecord& row) const;

 private:
  size_t header_size_ = 0;
};

std::string TrimSpaces(const std::string& s);

}  // namespace merhan
