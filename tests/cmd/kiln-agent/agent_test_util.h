// Helpers for kiln-agent tests: temporary directories and hand-made tar
// archives (GNU tar refuses to store the unsafe names the tests need).
// Test-only; thread-compatible.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace kiln::testing {

struct TarMember {
  std::string name;
  char type = '0';  // '0' file, '5' directory, '2' symlink, '1' hard link
  std::string content;
  std::string link;
};

// A ustar archive holding `members` verbatim (names are not sanitized).
inline std::string MakeTar(const std::vector<TarMember>& members) {
  std::string out;
  auto octal = [](char* field, size_t width, unsigned long value) {
    std::string digits(width - 1, '0');
    for (size_t i = width - 1; i-- > 0; value /= 8) {
      digits[i] = static_cast<char>('0' + value % 8);
    }
    std::copy(digits.begin(), digits.end(), field);
  };
  for (const TarMember& m : members) {
    char header[512] = {};
    std::copy(m.name.begin(), m.name.end(), header);
    octal(header + 100, 8, m.type == '5' ? 0755 : 0644);
    octal(header + 108, 8, 0);
    octal(header + 116, 8, 0);
    octal(header + 124, 12, m.type == '0' ? m.content.size() : 0);
    octal(header + 136, 12, 0);
    header[156] = m.type;
    std::copy(m.link.begin(), m.link.end(), header + 157);
    std::copy_n("ustar", 6, header + 257);
    header[263] = '0';
    header[264] = '0';
    std::fill(header + 148, header + 156, ' ');
    unsigned long sum = 0;
    for (unsigned char c : header) sum += c;
    octal(header + 148, 7, sum);
    out.append(header, sizeof(header));
    if (m.type == '0') {
      out += m.content;
      out.append((512 - m.content.size() % 512) % 512, '\0');
    }
  }
  out.append(1024, '\0');
  return out;
}

inline void WriteTestFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace kiln::testing
