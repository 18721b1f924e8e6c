#include <iostream>

#include "ctl/app.h"

int main(int argc, char** argv) {
  return sekisho::ctl::RunSekishoCtl(argc, argv, std::cout, std::cerr);
}
