#include "controller/vm/keyed_mutex.h"

namespace kiln {

// The per-key mutex is chosen at run time, which clang's analysis cannot
// follow; the pairing is local to this file.
KeyedMutex::Lock::Lock(KeyedMutex& keyed,
                       const std::string& key) NO_THREAD_SAFETY_ANALYSIS
    : keyed_(keyed),
      key_(key) {
  Entry* entry;
  {
    MutexLock lock(keyed_.mu_);
    std::unique_ptr<Entry>& slot = keyed_.entries_[key_];
    if (!slot) slot = std::make_unique<Entry>();
    ++slot->users;
    entry = slot.get();
  }
  // The entry stays while users > 0, so it outlives this unlocked use.
  entry->mu.Lock();
}

KeyedMutex::Lock::~Lock() NO_THREAD_SAFETY_ANALYSIS {
  MutexLock lock(keyed_.mu_);
  auto it = keyed_.entries_.find(key_);
  it->second->mu.Unlock();
  if (--it->second->users == 0) keyed_.entries_.erase(it);
}

}  // namespace kiln
