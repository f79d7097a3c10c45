// How much the case runner costs per module call: the reference sample's save
// callback called directly in a bare loop, the same probe + save played by
// vspc::Runner (kmcl profile), and a full sweep case. And the exploration
// tier's execution (one state: prepare, KMCL's pair into an exact-size guarded
// buffer, judged) against what a bare libFuzzer harness does per execution
// (prepare, probe, malloc'd save, release), both without libFuzzer itself
// (bench/state_gated.sh measures the whole thing).
//
// items_per_second is save-callback calls per second, except in BM_ExploreTier
// and BM_BareHarnessExec, where it is module calls (hooks included) per second.
//
// VSPC_BENCH_SANDBOX=1: this process first enters a worker's sandbox (Sandbox.h: the arena window
// and the seccomp filter, before the module is loaded), so the same benchmarks give the sandbox's
// cost per call (bench/sandbox_overhead.sh runs both).
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <benchmark/benchmark.h>

#include "Case.h"
#include "Module.h"
#include "Player.h"
#include "Runner.h"
#include "Sandbox.h"
#include "Status.h"
#include "Sweep.h"

namespace {

struct StateSeed {
    std::vector<uint8_t> seed;
    uint32_t n = 0;  // the size its probe reports
};

struct Loaded {
    vspc::Kmcl kmcl;
    vspc::Module module;
    StateSeed seeds[2];  // [0] the first sweep seed that gives the packet state, [1] the one with the largest N
};

[[noreturn]] void Die(const std::string &why) {
    std::fprintf(stderr, "vspc_bench: %s\n", why.c_str());
    std::exit(2);
}

// Loads the reference module once and picks a fixed seed with state.
Loaded &Reference() {
    static Loaded *loaded = [] {
        auto *lp = new Loaded;
        Loaded &l = *lp;
        vspc::ModuleOptions opts;
        opts.path = VSPC_REFERENCE_MODULE;
        if (std::string err = vspc::LoadModule(opts, l.kmcl, nullptr, l.module); !err.empty()) Die(err);
        if (!l.module.prepare) Die("the reference module exports no VspConformancePreparePacket");
        bool found = false;
        for (const auto &seed : vspc::SweepSeeds(1)) {
            vspc::FakePacket *p = l.kmcl.NewPacket(l.module.channel);
            uint8_t has_state = 0;
            int32_t st =
                l.module.prepare(l.module.channel, p, seed.data(), static_cast<uint32_t>(seed.size()), &has_state);
            uint32_t needed = 0;
            bool ok = vspc::NtSuccess(st) && has_state &&
                      !vspc::NtSuccess(l.module.save(l.module.channel, p, nullptr, 0, &needed)) && needed > 0;
            if (l.module.release) l.module.release(l.module.channel, p);
            l.kmcl.FreePacket(p);
            if (!ok) continue;
            if (!found) l.seeds[0] = {seed, needed};
            if (!found || needed > l.seeds[1].n) l.seeds[1] = {seed, needed};
            found = true;
        }
        if (!found) Die("no sweep seed gives the reference module's packet a state");
        return lp;
    }();
    return *loaded;
}

uint64_t SaveCalls(const vspc::CaseLog &log) {
    uint64_t n = 0;
    for (const auto &c : log.calls) n += c.callback == vspc::Callback::Save;
    return n;
}

// (a) probe with NULL/0, then save into a plain buffer of N bytes.
void BM_BareProbeSave(benchmark::State &state) {
    const StateSeed &ref = Reference().seeds[state.range(0)];
    const vspc::Module &m = Reference().module;
    vspc::FakePacket *packet = Reference().kmcl.NewPacket(m.channel);
    uint8_t has_state = 0;
    if (!vspc::NtSuccess(
            m.prepare(m.channel, packet, ref.seed.data(), static_cast<uint32_t>(ref.seed.size()), &has_state)) ||
        !has_state) {
        state.SkipWithError("prepare failed");
        return;
    }
    std::vector<uint8_t> buf(ref.n);
    uint64_t calls = 0;
    for (auto _ : state) {
        uint32_t needed = 0;
        int32_t probe = m.save(m.channel, packet, nullptr, 0, &needed);
        benchmark::DoNotOptimize(probe);
        int32_t saved = m.save(m.channel, packet, buf.data(), static_cast<uint32_t>(buf.size()), &needed);
        benchmark::DoNotOptimize(saved);
        benchmark::DoNotOptimize(buf.data());
        benchmark::ClobberMemory();
        calls += 2;
        if (!vspc::NtSuccess(saved) || needed != ref.n) {
            state.SkipWithError("the reference save did not succeed with N bytes");
            break;
        }
    }
    if (m.release) m.release(m.channel, packet);
    Reference().kmcl.FreePacket(packet);
    state.SetItemsProcessed(static_cast<int64_t>(calls));
    state.counters["N"] = ref.n;
}
BENCHMARK(BM_BareProbeSave)->ArgName("largest_n")->Arg(0)->Arg(1);

void RunCase(benchmark::State &state, const vspc::Case &c, vspc::Profile profile, uint32_t n = 0) {
    Loaded &ref = Reference();
    vspc::Runner runner(ref.module, ref.kmcl);
    vspc::CaseLog log;
    uint64_t calls = 0, all_calls = 0;
    for (auto _ : state) {
        runner.Run(c, profile, log);
        if (log.skipped) {
            state.SkipWithError("the case was skipped");
            break;
        }
        calls += SaveCalls(log);
        all_calls += log.calls.size();
        benchmark::DoNotOptimize(log.calls.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(calls));
    if (n) state.counters["N"] = static_cast<double>(n);
    state.counters["save_calls_per_case"] =
        benchmark::Counter(static_cast<double>(calls), benchmark::Counter::kAvgIterations);
    state.counters["all_calls_per_case"] =
        benchmark::Counter(static_cast<double>(all_calls), benchmark::Counter::kAvgIterations);
}

vspc::Op SaveOp(vspc::SizeKind kind, uint32_t value, bool null_buffer) {
    vspc::Op op;
    op.kind = vspc::OpKind::Save;
    op.packet = 0;
    op.size_kind = kind;
    op.size_value = value;
    op.null_buffer = null_buffer;
    op.placement = vspc::Placement::Right;
    op.fill = 2;
    return op;
}

// (b) the same probe + save through the runner: one packet, a probe op
// (NULL, 0) and a save op of N bytes, kmcl profile (KMCL plays each save op as
// its probe + save pair, so this case makes 4 save calls).
void BM_RunnerProbeSave(benchmark::State &state) {
    vspc::Case c;
    const StateSeed &ref = Reference().seeds[state.range(0)];
    c.seeds = {ref.seed};
    c.ops = {SaveOp(vspc::SizeKind::Absolute, 0, true), SaveOp(vspc::SizeKind::NPlus, 0, false)};
    RunCase(state, c, vspc::Profile::Kmcl, ref.n);
}
BENCHMARK(BM_RunnerProbeSave)->ArgName("largest_n")->Arg(0)->Arg(1);

// (b') one save op: under kmcl exactly the bare loop's probe + save pair.
void BM_RunnerKmclPair(benchmark::State &state) {
    vspc::Case c;
    const StateSeed &ref = Reference().seeds[state.range(0)];
    c.seeds = {ref.seed};
    c.ops = {SaveOp(vspc::SizeKind::NPlus, 0, false)};
    RunCase(state, c, vspc::Profile::Kmcl, ref.n);
}
BENCHMARK(BM_RunnerKmclPair)->ArgName("largest_n")->Arg(0)->Arg(1);

// (c) the first sweep case, as check plays it (strict and kmcl).
void BM_SweepCase(benchmark::State &state) {
    const auto cases = vspc::SweepCases(1);
    RunCase(state, cases.front(), state.range(0) ? vspc::Profile::Kmcl : vspc::Profile::Strict);
}
BENCHMARK(BM_SweepCase)->ArgName("kmcl")->Arg(0)->Arg(1);

// (d) what a bare libFuzzer harness does for one input: a packet prepared from
// it, KMCL's probe, a save into a malloc'd buffer of exactly N bytes, release.
void BM_BareHarnessExec(benchmark::State &state) {
    Loaded &ref = Reference();
    const StateSeed &s = ref.seeds[state.range(0)];
    const vspc::Module &m = ref.module;
    uint64_t calls = 0;
    for (auto _ : state) {
        vspc::FakePacket *p = ref.kmcl.NewPacket(m.channel);
        uint8_t has_state = 0;
        m.prepare(m.channel, p, s.seed.data(), static_cast<uint32_t>(s.seed.size()), &has_state);
        uint32_t needed = 0;
        if (!vspc::NtSuccess(m.save(m.channel, p, nullptr, 0, &needed)) && needed > 0) {
            void *buf = std::malloc(needed);
            m.save(m.channel, p, buf, needed, &needed);
            benchmark::DoNotOptimize(buf);
            std::free(buf);
            ++calls;
        }
        if (m.release) m.release(m.channel, p);
        ref.kmcl.FreePacket(p);
        calls += 3;
    }
    state.SetItemsProcessed(static_cast<int64_t>(calls));
    state.counters["N"] = s.n;
}
BENCHMARK(BM_BareHarnessExec)->ArgName("largest_n")->Arg(0)->Arg(1);

// (e) the exploration tier's execution of the same state: the same calls, every
// buffer guarded, the call log judged (kmcl rules), the case published.
void BM_ExploreTier(benchmark::State &state) {
    Loaded &ref = Reference();
    const StateSeed &s = ref.seeds[state.range(0)];
    vspc::Player player(ref.module, ref.kmcl);
    const vspc::Case c = vspc::ExploreCase(s.seed, false);
    const std::vector<uint8_t> bytes = vspc::EncodeCase(c);
    std::vector<vspc::Finding> found;
    uint64_t calls = 0;
    for (auto _ : state) {
        player.PlayEncoded(c, bytes.data(), bytes.size(), vspc::Profile::Kmcl, vspc::Stage::Fuzz, 0, found);
        calls += player.log().calls.size() + 1;  // and the release, which is not logged
    }
    if (!found.empty()) state.SkipWithError("the reference module broke a rule");
    state.SetItemsProcessed(static_cast<int64_t>(calls));
    state.counters["N"] = s.n;
}
BENCHMARK(BM_ExploreTier)->ArgName("largest_n")->Arg(0)->Arg(1);

// (f) state sizes from 1 byte to 16 MiB (samples/correct/big_states.c: seed byte 0 = log2 of
// the size): the exploration tier's KMCL pair and a restore of the record, the round
// trip's bytes per second (cost linear in bytes: the same bytes/s at every size) and
// the process's peak RSS so far (bounded: the arenas are reused, nothing grows per call).
void BM_StateSize(benchmark::State &state) {
    static Loaded *big = [] {
        auto *l = new Loaded;
        vspc::ModuleOptions opts;
        opts.path = VSPC_BIG_STATE_MODULE;
        if (std::string err = vspc::LoadModule(opts, l->kmcl, nullptr, l->module); !err.empty()) Die(err);
        return l;
    }();
    const uint32_t size = 1u << state.range(0);
    vspc::Player player(big->module, big->kmcl);
    const vspc::Case c = vspc::ExploreCase({static_cast<uint8_t>(state.range(0)), 0x33}, true);
    std::vector<vspc::Finding> found;
    for (auto _ : state) player.Play(c, vspc::Profile::Kmcl, vspc::Stage::Fuzz, 0, found);
    if (!found.empty()) state.SkipWithError(("the module broke a rule: " + found[0].message).c_str());
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * size);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    state.counters["state_bytes"] = size;
    state.counters["peak_rss_mb"] = static_cast<double>(ru.ru_maxrss) / 1024;
}
BENCHMARK(BM_StateSize)->ArgName("log2_size")->DenseRange(0, 24, 4);

}  // namespace

int main(int argc, char **argv) {
    if (const char *sb = std::getenv("VSPC_BENCH_SANDBOX"); sb && std::string(sb) == "1") {
        vspc::SandboxState s = vspc::EnterWorkerSandbox(true, vspc::NamespaceIds(), -1, -1, nullptr, 0);
        if (!s.seccomp) Die("VSPC_BENCH_SANDBOX=1: the seccomp filter could not be loaded");
        std::fprintf(stderr, "vspc_bench: in the worker sandbox (seccomp filter, arena window)\n");
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
