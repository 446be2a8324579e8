// Clang thread-safety annotations (compiled away on other compilers), as in
// leveldb's port/thread_annotations.h.
#pragma once

#if defined(__clang__)
#define KILN_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KILN_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) KILN_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY KILN_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) KILN_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) KILN_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRE(...) KILN_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) KILN_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define REQUIRES(...) KILN_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) KILN_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) KILN_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS \
  KILN_THREAD_ANNOTATION(no_thread_safety_analysis)
