// KeyedMutex: one mutex per key (a VM name), created on first use and
// dropped when no thread holds or waits for it, so operations on different
// keys run in parallel and operations on one key are serialized.
//
//   KeyedMutex::Lock lock(locks_, name);  // held until scope exit
//
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "controller/base/mutex.h"
#include "controller/base/thread_annotations.h"

namespace kiln {

class KeyedMutex {
 public:
  KeyedMutex() = default;
  KeyedMutex(const KeyedMutex&) = delete;
  KeyedMutex& operator=(const KeyedMutex&) = delete;

  // Holds the mutex of `key` for its lifetime. Keeps a reference to
  // `keyed`, which must outlive it.
  class Lock {
   public:
    Lock(KeyedMutex& keyed, const std::string& key);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    KeyedMutex& keyed_;
    const std::string key_;
  };

 private:
  struct Entry {
    Mutex mu;
    int users = 0;  // guarded by KeyedMutex::mu_
  };

  Mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> entries_ GUARDED_BY(mu_);
};

}  // namespace kiln
