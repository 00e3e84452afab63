#include "merhan/data/csv_records.h"

#include "merhan/util/error.h"

namespace merhan {

// Hand-written because no Debian CSV library is in our dependency set and this is ~40 lines.
std::vector<CsvRecord> ParseCsv(const std::string& text) {
  std::vector<CsvRecord> records;
  size_t i = 0, line = 1;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 BOM
  while (i < text.size()) {
    CsvRecord r;
    r.line = line;
    std::string field;
    bool in_quotes = false, was_quoted = false, end_of_record = false;
    while (i < text.size() && !end_of_record) {
      const char c = text[i];
      if (in_quotes) {
        if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          i += 2;
          continue;
        }
        if (c == '"') {
          in_quotes = false;
        } else {
          if (c == '\n') ++line;
          field += c;
        }
        ++i;
        continue;
      }
      if (c == '"' && field.empty() && !was_quoted) {
        in_quotes = was_quoted = true;
      } else if (c == ',') {
        r.fields.push_back(field);
        field.clear();
        was_quoted = false;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        ++line;
        end_of_record = true;
      } else {
        field += c;
      }
      ++i;
    }
    r.unterminated = in_quotes;
    r.fields.push_back(field);
    // Blank lines are not records.
    if (!(r.fields.size() == 1 && r.fields[0].empty() && !was_quoted)) records.push_back(std::move(r));
  }
  return records;
}

std::string TrimSpaces(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

CsvTable CsvTable::Parse(const std::string& path, const std::string& text, const std::vector<std::string>& required) {
  CsvTable table;
  table.path = path;
  std::vector<CsvRecord> records = ParseCsv(text);
  if (records.empty()) throw DataError(path + ": empty (expected a header row)");
  for (size_t i = 0; i < records[0].fields.size(); ++i) table.column[TrimSpaces(records[0].fields[i])] = i;
  std::string expected;
  for (const auto& name : required) expected += (expected.empty() ? "" : ", ") + name;
  for (const auto& name : required) {
    if (!table.column.count(name)) {
      throw DataError(path + ":" + std::to_string(records[0].line) + ": header has no '" + name +
                      "' column (expected " + expected + ")");
    }
  }
  table.rows.assign(std::make_move_iterator(records.begin() + 1), std::make_move_iterator(records.end()));
  table.header_size_ = records[0].fields.size();
  return table;
}

void CsvTable::CheckShape(const CsvRecord& row) const {
  if (row.unterminated) throw DataError(Where(row) + ": unterminated quoted field");
  if (row.fields.size() != header_size_) {
    throw DataError(Where(row) + ": expected " + std::to_string(header_size_) + " fields, found " +
                    std::to_string(row.fields.size()));
  }
}

std::string CsvTable::RawField(const CsvRecord& row, const std::string& name) const {
  CheckShape(row);
  const auto it = column.find(name);
  if (it == column.end()) throw InternalError(path + ": no column '" + name + "'");
  return row.fields[it->second];
}

std::string CsvTable::Field(const CsvRecord& row, const std::string& name) const {
  return TrimSpaces(RawField(row, name));
}

}  // namespace merhan
