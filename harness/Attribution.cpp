#include "Attribution.h"

#include <signal.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "Sandbox.h"

namespace vspc {

bool IsDeath(EndHow how) {
    return how == EndHow::Crashed || how == EndHow::Exited || how == EndHow::Hung || how == EndHow::Stalled ||
           how == EndHow::BadMessage || how == EndHow::ChannelLost || how == EndHow::Stopped || how == EndHow::Tampered;
}

namespace {

// Text the worker's output gave (the module can write anything there) as printable ASCII.
std::string Printable(std::string_view s) {
    std::string out;
    for (char c : s) out += c >= 0x20 && c < 0x7f ? c : '?';
    return out;
}

}  // namespace

SanitizerFacts ParseSanitizerReport(const std::string &report, const std::string &module_path) {
    SanitizerFacts out;
    std::string module_name = module_path.substr(module_path.find_last_of('/') + 1);
    size_t pos = 0;
    int frame = -1;
    bool first_stack = true;
    while (pos < report.size()) {
        size_t eol = report.find('\n', pos);
        if (eol == std::string::npos) eol = report.size();
        std::string_view line(report.data() + pos, eol - pos);
        pos = eol + 1;
        if (out.summary.empty()) {
            size_t e = line.find("ERROR: ");
            if (e == std::string_view::npos) continue;
            std::string_view s = line.substr(e + 7);
            for (std::string_view cut : {" on address", " on unknown address", " at pc", " (pc"})
                if (size_t c = s.find(cut); c != std::string_view::npos) s = s.substr(0, c);
            out.summary = Printable(s.substr(0, 200));
            continue;
        }
        if (out.access == Access::Unknown) {
            for (auto [word, access] : {std::pair{"READ of size ", Access::Read}, {"WRITE of size ", Access::Write}})
                if (line.rfind(word, 0) == 0) {
                    out.access = access;
                    out.size = static_cast<uint32_t>(
                        std::strtoul(std::string(line.substr(strlen(word))).c_str(), nullptr, 10));
                }
        }
        // Frames: only the first stack (the access), up to its first blank line.
        size_t hash = line.find_first_not_of(' ');
        if (hash == std::string_view::npos || line[hash] != '#') {
            if (frame >= 0) first_stack = false;
            continue;
        }
        if (!first_stack || out.code) continue;
        ++frame;
        // "(MODULE+0xOFFSET)" at the end of the line.
        if (line.empty() || line.back() != ')') continue;
        size_t plus = line.rfind("+0x");
        if (plus == std::string_view::npos) continue;
        size_t open = line.rfind(" (", plus);
        if (open == std::string_view::npos) continue;
        std::string_view module = line.substr(open + 2, plus - open - 2);
        std::string_view name = module.substr(module.find_last_of('/') + 1);
        if (name != module_name) continue;
        CodeLocation c;
        c.offset = std::strtoull(std::string(line.substr(plus + 3, line.size() - plus - 4)).c_str(), nullptr, 16);
        // A return address (frames after the first) points after the call.
        if (frame > 0 && c.offset > 0) c.offset -= 1;
        c.where = frame == 0 ? CodeWhere::Fault : CodeWhere::Caller;
        out.code = c;
    }
    return out;
}

// A worker the sandbox ended (SIGSYS): the system call its trap handler recorded, and what a
// driver would have been doing with it.
std::string DescribeSandboxViolation(const WorkerEnd &e) {
    if (!e.faulted || e.fault.signo != SIGSYS)
        return "sandbox violation: the worker was ended by SIGSYS without the tester's record of a system call: "
               "the module replaced the tester's SIGSYS handler, or sent the signal";
    const std::string name = SyscallName(e.fault.addr);
    auto is = [&](std::initializer_list<const char *> names) {
        for (const char *n : names)
            if (name == n) return true;
        return false;
    };
    const char *what = is({"fork", "vfork", "clone", "clone3"}) ? "start a process"
                       : is({"execve", "execveat"})             ? "run a program"
                       : is({"ptrace"})                         ? "trace a process"
                       : is({"personality"})                    ? "change the process's personality"
                       : is({"seccomp", "prctl"})               ? "install a seccomp filter"
                       : is({"mmap", "mprotect", "pkey_mprotect"})
                           ? "make memory executable or unguard the tester's arenas"
                       : is({"munmap", "mremap"}) ? "unmap or move the tester's arenas"
                                                  : "write or copy the tester's message pipe";
    return fmt::format(
        "sandbox violation: the module called {} ({}), which a kernel driver cannot do; the sandbox ended the worker",
        name, what);
}

Finding DeathFinding(const WorkerEnd &e, uint32_t timeout_ms, Stage stage) {
    Finding f;
    f.stage = stage;
    f.op_index = e.call.op_index;
    f.reproducer = ReproducerFor(DecodeCase(e.case_bytes), e.call.op_index);
    Callback cb = e.in_call ? e.call.callback : Callback::None;
    if (e.how == EndHow::BadMessage) {
        f.rule = RuleId::SP11;
        f.kind = "corrupted the worker's messages";
        f.message = fmt::format(
            "the worker's message channel carried something that is not the protocol ({}); "
            "the module wrote into the tester's pipe or broke the worker",
            e.error);
        return f;
    }
    // What the module did to the worker itself, whatever call was in progress (a thread of the
    // module may do it at any time): one signature each, so one defect is one finding.
    if (e.how == EndHow::ChannelLost) {
        f.rule = RuleId::SP11;
        f.kind = "cut the worker's messages";
        f.message = fmt::format(
            "the worker's message pipe ended before the job's done message while the worker still ran ({}); "
            "the module closed or replaced the tester's file descriptors, and what the worker found after that "
            "was lost",
            e.error);
        return f;
    }
    if (e.how == EndHow::Tampered) {
        f.rule = RuleId::SP11;
        f.kind = "tampered with the tester's state";
        f.message = fmt::format(
            "the tester's state was tampered with: {}; the module wrote into the worker's status block or its "
            "memory, and what the worker reported cannot be trusted",
            e.error);
        return f;
    }
    if (e.how == EndHow::Stopped) {
        f.rule = RuleId::SP11;
        f.kind = "stopped the worker";
        f.message = fmt::format(
            "the worker was stopped ({}): the module stopped its own process (SIGSTOP, SIGTSTP) or had it "
            "traced; a stopped worker would have hung the run",
            e.error);
        return f;
    }
    Death d;
    d.callback = cb;
    d.signo = e.signo;
    d.exit_code = e.exit_code;
    SanitizerFacts facts = ParseSanitizerReport(e.sanitizer, e.module_path);
    d.sanitizer = facts.summary;
    d.sanitizer_access = facts.access;
    d.sanitizer_size = facts.size;
    if (facts.code) {
        f.code = facts.code;
    } else if (e.faulted && e.fault.code_where != kCodeNone) {
        CodeLocation c;
        c.offset = e.fault.code_offset;
        c.where = e.fault.code_where == kCodeFault ? CodeWhere::Fault : CodeWhere::Caller;
        f.code = c;
    }
    d.kind = e.how == EndHow::Exited                             ? DeathKind::Exit
             : e.how == EndHow::Hung || e.how == EndHow::Stalled ? DeathKind::Hang
                                                                 : DeathKind::Crash;
    f.death = d;
    f.rule = cb == Callback::Restore ? RuleId::RP2 : RuleId::SP11;
    if (e.how == EndHow::Stalled) {
        f.kind = "no progress";
        f.message = fmt::format(
            "the worker made no progress outside any module call for a long time (stopped, or "
            "blocked by something the module did)");
    } else if (d.kind == DeathKind::Crash && e.signo == SIGSYS) {
        f.kind = "sandbox violation";
        f.message = DescribeSandboxViolation(e);
    } else {
        f.message = DescribeDeath(d, timeout_ms);
    }
    if (d.kind == DeathKind::Crash && e.faulted && e.fault.region != FaultRegion::None) {
        Location l;
        l.region = e.fault.region;
        l.offset = e.fault.offset;
        l.buffer_size = e.fault.buffer_size;
        l.access = e.fault.access;
        l.guard_page = true;
        l.count = 1;
        f.location = l;
        f.rule = RuleForStrayAccess(l.region, l.access, e.call.size);
        f.message = fmt::format("{}; the worker died of it ({})", DescribeLocation(l), SignalName(e.signo));
        if (!d.sanitizer.empty()) f.message += fmt::format("; {}", d.sanitizer);
    }
    CallInfo c;
    c.callback = cb;
    c.packet = e.call.packet;
    c.size = e.call.size;
    c.null_buffer = e.call.null_buffer;
    c.placement = e.call.placement ? Placement::Left : Placement::Right;
    c.fill = e.call.fill;
    c.returned = false;
    c.text = cb == Callback::None ? "outside any module call"
                                  : fmt::format("{} packet {}: size {}{} -> did not return", CallbackName(cb),
                                                e.call.packet, e.call.size, e.call.null_buffer ? ", SaveBuf NULL" : "");
    f.call = c;
    return f;
}

std::optional<Job> RestartPolicy::Continue(const Job &job, const WorkerEnd &end, const Finding &death,
                                           std::string *why_not) {
    const WorkerConfig &c = job.config;
    uint32_t &n = deaths_[fmt::format("{}|{}|{}", static_cast<int>(c.mode), c.shard, death.Key())];
    ++n;
    Job next = job;
    ++next.generation;
    next.config.generation = next.generation;
    switch (KindOf(c.mode).unit) {
    case JobUnit::Indices: {  // an entry that killed the worker: its remaining variants are not played
        uint64_t at = end.case_index;
        if (at < c.begin || at >= c.end) at = c.begin;  // died before its first case
        if (at + 1 >= c.end) return std::nullopt;
        next.config.begin = at + 1;
        return next;
    }
    case JobUnit::Executions: {
        if (n >= max_) {
            *why_not = fmt::format("fuzz shard {} stopped after {} deaths with the same signature ({})", c.shard, n,
                                   death.Key());
            return std::nullopt;
        }
        uint64_t done = std::max<uint64_t>(end.totals.execs, 1);
        if (done >= c.runs) return std::nullopt;
        next.config.runs = c.runs - done;
        return next;
    }
    case JobUnit::Candidates:  // Session resumes minimizations itself
        return std::nullopt;
    case JobUnit::Files: {
        uint64_t at = end.case_index;
        if (at + 1 >= c.cases.size()) return std::nullopt;
        next.config.cases.assign(c.cases.begin() + static_cast<std::ptrdiff_t>(at + 1), c.cases.end());
        return next;
    }
    }
    return std::nullopt;
}

}  // namespace vspc
