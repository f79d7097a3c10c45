// The worker's sandbox (Linux). The module under test is untrusted code that runs in the worker;
// this is what keeps it from the tester and from the machine:
//   - namespaces, made when the worker is spawned: PID (the worker is pid 2 under a small init of
//     the tester's that is pid 1; when either ends the kernel kills every process of the
//     namespace, so nothing the module forks outlives its worker), mount (the file system
//     read-only apart from the worker's scratch directory, a /proc of its own), network
//     (no interfaces but loopback, down); a user namespace too when not root;
//   - resource limits (address space, file size, CPU, processes), set before the exec;
//   - in the worker, before the module is loaded: PR_SET_NO_NEW_PRIVS and two seccomp filters
//     shaped like a kernel driver's world. Trapped (SIGSYS: the tester's handler records the call,
//     the worker ends, the run reports a sandbox violation): fork/vfork/clone without
//     CLONE_THREAD, exec, ptrace, personality, installing a filter, making memory executable
//     outside the dynamic loader, writing or copying the message pipe outside the tester's own
//     syscall instruction (TesterWrite), and calls in the guarded arenas without the token.
//     Refused with EPERM (libseccomp): signals to other processes, process_vm_*, mounts and new
//     namespaces, raising the resource limits, changing the mappings of the tester's executable.
//     Address randomization stays on.
// What a host refuses (a container without CAP_SYS_ADMIN, no user namespaces) is left out, never
// a reason to fail the run; the worker reports what was in force (SandboxState, in its `loaded`
// message) and every report lists it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vspc {

// What the tester asks for (from the flags).
struct SandboxOptions {
    bool enabled = true;
    uint64_t memory_limit_mb = 0;     // RLIMIT_AS beyond the arena window (0: none); not for ASan modules
    uint64_t file_size_limit_mb = 0;  // RLIMIT_FSIZE (0: none)
    uint64_t cpu_limit_s = 0;         // RLIMIT_CPU (0: none)
    uint64_t max_processes = 0;       // RLIMIT_NPROC (0: none; the kernel does not apply it to root)
};

// What was in force in a worker, as the worker itself found it (after the filter was loaded).
struct SandboxState {
    bool requested = false;  // false: --sandbox off
    bool pid_ns = false, mount_ns = false, net_ns = false, user_ns = false;
    bool no_new_privs = false, seccomp = false, read_only_fs = false;
    uint64_t rlimit_as_mb = 0, rlimit_fsize_mb = 0, rlimit_cpu_s = 0, rlimit_nproc = 0;  // 0: unlimited
    bool nproc_enforced = false;  // RLIMIT_NPROC binds (not root)
    bool asan = false;            // the ASan runtime is in the worker (no RLIMIT_AS for it)
    uint64_t pids_max = 0;        // the worker's pids cgroup (as root, where RLIMIT_NPROC does not bind)
    // The supervisor could check the claims in /proc (false: the worker had ended before it could,
    // so what it claimed is all there is; a run counts such a worker only when it has no other).
    bool confirmed = true;
    bool operator==(const SandboxState &) const = default;
};

// The protections in force, by name ("pid namespace", "seccomp", "rlimit as=6144MB", ...), and
// those that were asked for but are missing.
std::vector<std::string> SandboxProtections(const SandboxState &s);
std::vector<std::string> SandboxMissing(const SandboxState &s);
// One line: "pid,mount,net namespaces; seccomp; no_new_privs; rlimits as,fsize,cpu; read-only fs"
// (and what was unavailable), or "off (--sandbox off)".
std::string DescribeSandbox(const SandboxState &s);
// What every worker of a run had: the weaker of the two, field by field.
SandboxState WeakerSandbox(const SandboxState &a, const SandboxState &b);

// The supervisor's side: everything a spawn needs, made before the fork (nothing is allocated
// between the fork and the exec).
struct SandboxLaunch {
    bool enabled = false;
    bool asan = false;
    SandboxOptions options;
    std::vector<std::string> mount_points;  // the file system's mounts, remounted read-only
    std::vector<std::string> writable;      // the worker's scratch directories (bind-mounted writable)
    std::string cgroup;                     // the worker's pids cgroup (a directory; empty: none)
    std::string cgroup_procs;               // its cgroup.procs, which the child joins
    uid_t uid = 0;
    gid_t gid = 0;
    std::string uid_map, gid_map;   // user namespace (not root)
    int status_pipe[2] = {-1, -1};  // init -> supervisor: the worker's wait status
    int ns_flags = 0;               // the namespaces the clone asks for
};

// Fills `launch` for a worker whose scratch directories are `writable` (created here if missing).
void PrepareSandbox(const SandboxOptions &options, bool asan, const std::vector<std::string> &writable,
                    SandboxLaunch &launch);
// Like fork(): returns 0 in the worker (inside the namespaces, file system set up), the pid to
// wait for in the supervisor (the namespace's init when there is a PID namespace), -1 on error.
pid_t SandboxFork(SandboxLaunch &launch);
// In the worker, before the exec: the resource limits. `parent_ok`: the worker's parent is the one
// expected (its init, or the supervisor).
void SandboxBeforeExec(const SandboxLaunch &launch);
// The supervisor's check of what a worker says it had (its `loaded` message): the namespaces as
// far as the clone made them (`ns_flags`), the filter, no_new_privs, the limits and whether its
// root is read-only as /proc/<worker> shows them. What it cannot confirm is taken away.
// `pids_max`: the limit of the pids cgroup the supervisor made for it (0: none).
SandboxState VouchSandbox(const SandboxState &claimed, bool requested, int ns_flags, uint64_t pids_max, pid_t worker);
// The worker's pids cgroup, once the worker has ended: what is left in it killed, then removed.
void RemoveSandboxCgroup(const std::string &dir);
// /proc/<pid>/<what> (empty when it cannot be read, e.g. the process has ended).
std::string ReadProcFile(pid_t pid, const char *what);
std::string ReadRaw(const std::string &path);
// The inode numbers of this process's pid, mnt, net and user namespaces (the worker compares its
// own with the supervisor's to see which it got).
std::vector<uint64_t> NamespaceIds();

// The worker's side, after the exec and before the module is loaded. Always: the message pipe and
// the status block close on exec (a module's system() must not hold them). With `sandbox`:
// the arena window reserved, no_new_privs, the seccomp filter. Returns what is in force.
// Writes through the tester's own system call instruction: the only one the worker's filter lets
// write its message pipe. Like write(2).
ssize_t TesterWrite(int fd, const void *data, size_t size);
// The name of system call `nr` of this architecture ("fork"), or "system call N".
std::string SyscallName(uint64_t nr);
SandboxState EnterWorkerSandbox(bool sandbox, const std::vector<uint64_t> &host_ns, int out_fd, int shm_fd,
                                const void *status_block, size_t status_size);

}  // namespace vspc
