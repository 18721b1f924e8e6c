#include "ctl/app.h"

#include <iostream>

int main(int argc, char** argv) {
  return sekisho::ctl::RunSekishoCtl(argc, argv, std::cout, std::cerr);
}
