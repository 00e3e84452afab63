// merhan: the command-line program. All logic lives in the libraries.
#include "merhan/cli/cli.h"

int main(int argc, char** argv) { return merhan::cli::Run(argc, argv); }
