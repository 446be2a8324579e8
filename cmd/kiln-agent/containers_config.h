// The private containers-registries.conf(5) and containers-storage.conf(5)
// the agent hands to buildah, so a build depends on nothing in the host's
// /etc/containers beyond what buildah reads regardless. Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api_types/status.h"

namespace kiln {

// registries.conf text making `registry` ("HOST:PORT") the only registry
// for unqualified names, reached over plain HTTP (insecure = true), so
// `FROM kiln/busybox:1` means REGISTRY/kiln/busybox:1. docker.io is
// blocked (unless it is `registry`): the Debian buildah still reads the
// short-name aliases in /etc/containers/registries.conf.d even when
// --registries-conf-dir points elsewhere (measured with buildah 1.28), and
// an alias such as "busybox" = "docker.io/library/busybox" must fail fast
// rather than leave the build host. InvalidArgument when `registry` is
// empty or holds characters that cannot be part of a host:port.
StatusOr<std::string> RegistriesConf(std::string_view registry);

// containers-registries.d(5) text giving every registry the signature
// lookaside directory `sigstore_dir` (file:// URL), which never exists: a
// build neither reads nor writes signatures. Without it buildah run as
// root looks in /var/lib/containers/sigstore, which a builder in a user
// namespace may not enter (permission denied, and the pull fails).
// buildah 1.28 reads it from the directory its --registries-conf-dir
// names (it sets containers/image's registries.d path from that flag,
// measured), so it goes there beside no *.conf file.
std::string RegistriesDConf(std::string_view sigstore_dir);

// storage.conf text for `driver` with the given graph and run roots.
std::string StorageConf(std::string_view driver, std::string_view root,
                        std::string_view run_root);

// The storage driver to use: "overlay" when the kernel offers overlayfs
// (`proc_filesystems` is the text of /proc/filesystems), "vfs" otherwise;
// a storage root already initialized by one driver (a subdirectory named
// after it) keeps that driver, since containers/storage refuses to switch.
// Measured on the development host (kernel 6.18, root in a container):
// overlay works, including RUN steps with --isolation chroot.
std::string ChooseStorageDriver(const std::string& storage_root,
                                std::string_view proc_filesystems);

}  // namespace kiln
