// The one HTML helper of the reports and comparisons.
#pragma once

#include <string>

namespace merhan {

// Text made safe inside HTML elements and double-quoted attributes (& < > ").
std::string HtmlEscape(const std::string& s);

}  // namespace merhan
