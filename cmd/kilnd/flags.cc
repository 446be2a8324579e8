#include "cmd/kilnd/flags.h"

namespace kiln {

void AddKilndFlags(CLI::App& app, KilndFlags& f) {
  app.add_option("--data-dir", f.data_dir,
                 "Directory for kiln.db, tokens, TLS files and kubeconfig")
      ->capture_default_str();
  app.add_option("--listen", f.listen,
                 "HOST:PORT to serve on (port 0 = pick a free one)")
      ->capture_default_str();
  app.add_option("--capacity-cpus", f.capacity_cpus,
                 "CPUs builds may hold at once (default: the host's)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--capacity-memory", f.capacity_memory,
                 "Memory builds may hold at once, e.g. 16Gi or 2048Mi "
                 "(default: the host's)");
  app.add_option("--max-builds", f.max_builds,
                 "Builds that may run at once (default: as many as CPUs)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--registry", f.registry,
                 "Use this existing registry HOST:PORT for default images");
  app.add_option("--embedded-registry", f.embedded_registry,
                 "HOST:PORT of the embedded registry")
      ->capture_default_str();
  app.add_option("--registry-token-port", f.registry_token_port,
                 "Port of the embedded registry's token service, on the "
                 "registry's host (default: the registry's port + 1)")
      ->check(CLI::Range(0, 65535));
  app.add_flag("--insecure-dev", f.insecure_dev,
               "Serve plain HTTP without authentication (loopback only)");
  app.add_option("--token-file", f.token_file,
                 "Static token file (token,user,uid,\"groups\"); default "
                 "DATA_DIR/tokens.csv, generated on first start");
  app.add_option("--node-name", f.node_name,
                 "Name of this host's Node object (default: host name)");
  app.add_option("--default-cpus", f.default_cpus,
                 "spec.resources.cpus default")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--default-memory-mib", f.default_memory_mib,
                 "spec.resources.memoryMiB default")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--default-timeout-seconds", f.default_timeout_seconds,
                 "spec.timeoutSeconds default")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-body-bytes", f.max_body_bytes,
                 "Largest request body accepted (413 above)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-source-bytes", f.max_source_bytes,
                 "Largest source archive accepted by POST .../sources (413 "
                 "above)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--allow-output-registry", f.allow_output_registries,
                 "A registry (HOST:PORT) besides Kiln's own that "
                 "spec.output.image may name, with any repository; "
                 "repeatable. Without it, images go to Kiln's registry under "
                 "the Build's namespace only");
  app.add_option("--source-max-unpacked-bytes", f.source_max_unpacked_bytes,
                 "Largest total size a source archive may unpack to in a "
                 "builder (the build fails with SourceError above)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--source-max-entries", f.source_max_entries,
                 "Most files, directories and links a source archive may "
                 "hold (the build fails with SourceError above)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--source-retention-seconds", f.source_retention_seconds,
                 "Uploaded sources that no Build references are deleted "
                 "after going unused this long")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-requests-per-client", f.max_requests_per_client,
                 "Requests one user may have in flight at once, bodies "
                 "included (429 above)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-follows-per-client", f.max_follows_per_client,
                 "Build log follows one user may hold open (429 above)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-watches-per-client", f.max_watches_per_client,
                 "Open watches allowed per client (429 above)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--retained-revisions", f.retained_revisions,
                 "Store revisions kept for watch resume and continue tokens; "
                 "older resourceVersions get 410 Expired")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--watch-timeout-seconds", f.watch_timeout_seconds,
                 "Default server-side watch timeout (plus up to 20% jitter)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--controllers", f.controllers,
                 "Run the build controller, VM driver and embedded registry "
                 "(false: serve the API only; Builds stay Pending)")
      ->capture_default_str();
  app.add_option("--driver", f.driver,
                 "Builder VM driver: process (namespaces + cgroups), qemu "
                 "(microVMs; needs --guest-image), or auto (qemu when hardware "
                 "KVM is usable and --guest-image is set, else process)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "process", "qemu"}));
  app.add_option("--guest-image", f.guest_image,
                 "qemu driver: the guest image directory (vmlinuz, "
                 "initramfs.cpio.gz, root.img) that `sudo "
                 "hack/build-guest-image.sh DATA_DIR/images` printed last; "
                 "required with --driver qemu, and for auto to pick qemu");
  app.add_option("--qemu-binary", f.qemu_binary,
                 "qemu driver: the QEMU system emulator (path or PATH name)")
      ->capture_default_str();
  app.add_option("--workers", f.workers, "Reconcile workers")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--agent-path", f.agent_path,
                 "The kiln-agent binary (default: next to kilnd, or in the "
                 "build tree, or on PATH)");
  app.add_option("--builder-pids-max", f.builder_pids_max,
                 "process driver: most processes and threads one builder may "
                 "have at once (its cgroup's pids.max)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--builder-scratch-mib", f.builder_scratch_mib,
                 "process driver: size of each builder's scratch disk (its own "
                 "ext4 on a loop device, holding the build's layers and "
                 "containers); a build that fills it fails with 'no space "
                 "left' and the data dir's file system is untouched. 0: no "
                 "scratch disk, build storage in the data dir, unbounded")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  app.add_flag("--unsafe-builder-host-network", f.unsafe_builder_host_network,
               "process driver: run builders in the host's network instead "
               "of a network namespace that reaches only the registry. "
               "Unsafe: a RUN step then reaches kilnd and the whole host; "
               "only for hosts that refuse network namespaces");
  app.add_option("--builder-user-namespace", f.builder_user_namespace,
                 "process driver: run each builder (agent, buildah, RUN "
                 "steps) as root of its own user namespace, i.e. as 65536 "
                 "unprivileged host ids from --builder-id-base. on: refuse to "
                 "start where the host cannot; auto: on where it can, else "
                 "a warning and builders run as the host's root; off: "
                 "builders run as the host's root")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--builder-id-base", f.builder_id_base,
                 "process driver: the host uid and gid of a builder's root; "
                 "builders use this id and the 65535 after it, which no "
                 "host user or other service should use")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{4294967294} - 65536));
  app.add_option("--gc-interval-seconds", f.gc_interval_seconds,
                 "How often VMs without a live Build are removed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--log-format", f.log_format,
                 "kilnd's own log lines: text, or json (one object per line)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--v", f.verbosity,
                 "Log verbosity: 0 info, 1 debug (every reconcile), 2 trace")
      ->capture_default_str()
      ->check(CLI::Range(0, 10));
  app.add_option("--log-max-bytes", f.log_max_bytes,
                 "Largest build log kept: the builder stops appending at "
                 "this size and ends the log with a truncation marker line")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--vm-delete-grace-seconds", f.vm_delete_grace_seconds,
                 "How long a cancelled builder gets to clean up before it "
                 "is killed")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

}  // namespace kiln
