// FixedText: a fixed-size text buffer that allocates nothing, for code that
// runs between fork and exec or in a process forked from a multi-threaded one
// (detached_launch, registry_relay), where only async-signal-safe calls are
// allowed. Text that does not fit is dropped and remembered (truncated()).
// Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kiln {

template <size_t kCapacity>
class FixedText {
 public:
  FixedText& Add(const char* s) {
    while (*s != '\0' && len_ + 1 < kCapacity) data_[len_++] = *s++;
    if (*s != '\0') truncated_ = true;
    data_[len_] = '\0';
    return *this;
  }
  FixedText& AddInt(int64_t v) {
    if (v < 0) Add("-");
    // Negate in unsigned arithmetic: INT64_MIN has no positive twin.
    uint64_t u =
        v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u > 0);
    while (n > 0 && len_ + 1 < kCapacity) data_[len_++] = digits[--n];
    if (n > 0) truncated_ = true;
    data_[len_] = '\0';
    return *this;
  }
  const char* c_str() const { return data_; }
  size_t size() const { return len_; }
  // Whether some text did not fit (c_str() then holds only a prefix).
  bool truncated() const { return truncated_; }

 private:
  char data_[kCapacity] = {};
  size_t len_ = 0;
  bool truncated_ = false;
};

}  // namespace kiln
