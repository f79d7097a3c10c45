// The pool and the session against scripted fake workers (Launcher.h's seam): restarts after a
// death, the call watchdog, stalls, the time cap, forged or broken messages, contract batching
// and the determinism of counts, on a fake clock, in milliseconds and without a process.
#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "Pipeline.h"
#include "Pool.h"
#include "Session.h"
#include "Sweep.h"

#include <fmt/format.h>

namespace vspc {
namespace {

using namespace std::chrono_literals;

class FakeLauncher;

// A worker whose life is a script: each tick of the fake clock (the pool's wait for input) runs
// `script` with the milliseconds since it started; the script sends lines, moves the status
// block, exits or dies.
class FakeWorker final : public WorkerHandle {
public:
    using Script = std::function<void(FakeWorker &, int64_t ms)>;
    FakeWorker(WorkerConfig config, Script script, Clock::time_point start, std::vector<FakeWorker *> *live)
        : config(std::move(config)),
          script_(std::move(script)),
          start_(start),
          status_(new SharedStatus()),
          live_(live) {
        live_->push_back(this);
    }
    ~FakeWorker() override { live_->erase(std::find(live_->begin(), live_->end(), this)); }

    // The script's verbs.
    void Send(const Message &m) { pending_.push_back(EncodeMessage(m)); }
    void SendRaw(std::string line) { pending_.push_back(std::move(line)); }
    void Loaded(Hooks h = Hooks{true, true, true, true}) { Send(msg::Loaded{h, SandboxState{}}); }
    // The done message of an honest worker: its own counts, which are the status block's.
    void Done(bool finished = true) {
        msg::Done d;
        const WorkerCounters &c = status_->counters;
        d.finished = finished;
        d.cases_run = c.cases_run.Get();
        d.cases_skipped = c.cases_skipped.Get();
        d.calls = c.calls.Get();
        d.execs = c.execs.Get();
        d.state_saves = c.state_saves.Get();
        for (size_t i = 0; i < d.evidence.size(); ++i) d.evidence[i] = c.evidence[i].Get();
        Send(d);
    }
    void Exit(int code) { End(ExitStatus{false, 0, code}); }
    void Die(int signo) { End(ExitStatus{true, signo, 0}); }
    void ClosePipe() { pipe_open_ = false; }
    void EnterCall(Callback cb) {
        status_->call.callback = cb;
        status_->in_call.store(1);
        status_->calls_started.fetch_add(1);
    }
    void LeaveCall() {
        status_->in_call.store(0);
        status_->counters.calls.Add(1);
    }
    // One case of its range played (the counters a sweep keeps).
    void PlayCase(uint64_t index) {
        status_->case_index.store(index);
        EnterCall(Callback::Save);
        LeaveCall();
        status_->counters.cases_run.Add(1);
    }
    void AddExecs(uint64_t n) { status_->counters.execs.Add(n); }
    SharedStatus &shared() { return *status_; }
    bool stop_requested() const { return stop_; }
    uint64_t run_queue_wait_ns = 0;
    bool stopped = false;
    bool killed = false;
    const WorkerConfig config;

    void Tick(Clock::time_point now) {
        if (ended_) return;
        script_(*this, std::chrono::duration_cast<std::chrono::milliseconds>(now - start_).count());
    }

    // WorkerHandle
    int fd() const override { return -1; }
    int output_fd() const override { return -1; }
    bool Read(std::vector<std::string> &lines, bool *too_long) override {
        *too_long = false;
        for (auto &l : pending_) lines.push_back(std::move(l));
        pending_.clear();
        return pipe_open_;
    }
    size_t unterminated() const override { return 0; }
    bool ReadOutput(std::string &) override { return pipe_open_; }
    const SharedStatus &status() const override { return *status_; }
    void RequestStop() override { stop_ = true; }
    void Kill() override {
        killed = true;
        if (!ended_) End(ExitStatus{true, 9, 0});
    }
    ExitStatus Wait() override { return exit_; }
    bool TryWait(ExitStatus &out) override {
        if (ended_) out = exit_;
        return ended_;
    }
    bool Stopped() const override { return stopped; }
    uint64_t RunQueueWaitNs() const override { return run_queue_wait_ns; }
    SandboxState Vouch(const SandboxState &claimed) const override { return claimed; }

private:
    void End(ExitStatus st) {
        ended_ = true;
        exit_ = st;
        pipe_open_ = false;
    }
    Script script_;
    Clock::time_point start_;
    std::unique_ptr<SharedStatus> status_;
    std::vector<std::string> pending_;
    bool pipe_open_ = true, ended_ = false, stop_ = false;
    ExitStatus exit_;
    std::vector<FakeWorker *> *live_;
};

// Starts FakeWorkers with the script `make` gives for each config, on a fake clock that each wait
// for input moves on.
class FakeLauncher final : public WorkerLauncher {
public:
    using Make = std::function<FakeWorker::Script(const WorkerConfig &)>;
    explicit FakeLauncher(Make make) : make_(std::move(make)) {}
    std::unique_ptr<WorkerHandle> Launch(const WorkerConfig &config, std::string *) override {
        launched.push_back(config);
        return std::make_unique<FakeWorker>(config, make_(config), now_, &live_);
    }
    Clock::time_point Now() override { return now_; }
    void WaitForInput(std::vector<pollfd> &, int timeout_ms) override {
        now_ += std::chrono::milliseconds(timeout_ms);
        for (FakeWorker *w : std::vector<FakeWorker *>(live_)) w->Tick(now_);
    }
    double Seconds() const { return std::chrono::duration<double>(now_ - Clock::time_point{}).count(); }
    std::vector<WorkerConfig> launched;

private:
    Make make_;
    Clock::time_point now_{};
    std::vector<FakeWorker *> live_;  // the workers the pool still has
};

// Records what the pool says, for tests of the pool alone.
struct Recorder : PoolListener {
    std::vector<WorkerEnd> ends;
    std::vector<Message> messages;
    void OnMessage(const Job &, const Message &m, uint64_t) override { messages.push_back(m); }
    std::vector<Job> OnEnd(const Job &, const WorkerEnd &e) override {
        ends.push_back(e);
        return {};
    }
};

WorkerConfig SweepConfig(uint64_t begin, uint64_t end) {
    WorkerConfig c;
    c.mode = WorkerMode::Sweep;
    c.module.path = "/fake/libvsp.so";
    c.begin = begin;
    c.end = end;
    return c;
}

// A sweep worker that plays its range, one case per tick, then says done and exits; the case in
// `die_at` (if any) kills it with SIGSEGV in a save call.
FakeWorker::Script Sweeper(uint64_t die_at = UINT64_MAX) {
    return [die_at, next = uint64_t(UINT64_MAX)](FakeWorker &w, int64_t) mutable {
        if (next == UINT64_MAX) {
            w.Loaded();
            next = w.config.begin;
            return;
        }
        if (next < w.config.end) {
            if (next == die_at) {
                w.shared().case_index.store(next);
                w.EnterCall(Callback::Save);
                w.Die(11);
                return;
            }
            w.PlayCase(next++);
            return;
        }
        w.Done();
        w.Exit(0);
    };
}

PoolOptions FakePool(FakeLauncher &launcher, unsigned jobs = 1) {
    PoolOptions o;
    o.jobs = jobs;
    o.launcher = &launcher;
    return o;
}

SessionOptions FakeSession(FakeLauncher &launcher, unsigned jobs = 1) {
    SessionOptions s;
    s.pool = FakePool(launcher, jobs);
    s.max_restarts = 4;
    return s;
}

// ---- the pool and the watch ------------------------------------------------------------------

TEST(PoolWithFakeWorkers, AJobThatPlaysItsCasesAndSaysDoneIsDone) {
    FakeLauncher launcher([](const WorkerConfig &) { return Sweeper(); });
    Recorder rec;
    WorkerPool pool(FakePool(launcher));
    pool.Run({Job{SweepConfig(0, 5), 0, 0}}, rec);
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::Done);
    EXPECT_EQ(rec.ends[0].totals.cases_run, 5u);
    EXPECT_TRUE(rec.ends[0].loaded);
}

TEST(PoolWithFakeWorkers, ADoneMessageAfterTooFewCasesIsNotAnEnd) {
    // The module forges the done message and exits 0 after two of five cases.
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms == 40) w.PlayCase(0);
            if (ms == 60) w.PlayCase(1);
            if (ms == 80) {
                w.Done();
                w.Exit(0);
            }
        };
    });
    Recorder rec;
    WorkerPool pool(FakePool(launcher));
    pool.Run({Job{SweepConfig(0, 5), 0, 0}}, rec);
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::Exited);
}

TEST(PoolWithFakeWorkers, TeardownAfterTheDoneMessageIsNotJudged) {
    // Every case played, done sent; then the process aborts at exit (an atexit handler, a
    // thread_local destructor of the module).
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms == 40) w.PlayCase(0);
            if (ms == 60) w.Done();
            if (ms == 80) w.Die(6);
        };
    });
    Recorder rec;
    WorkerPool pool(FakePool(launcher));
    pool.Run({Job{SweepConfig(0, 1), 0, 0}}, rec);
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::Done);
}

TEST(PoolWithFakeWorkers, ACallPastTheTimeoutIsAHangAndTheWorkerIsKilled) {
    FakeWorker *worker = nullptr;
    FakeLauncher launcher([&](const WorkerConfig &) {
        return [&](FakeWorker &w, int64_t ms) {
            worker = &w;
            if (ms == 20) w.Loaded();
            if (ms == 40) w.EnterCall(Callback::Save);  // and never returns
        };
    });
    Recorder rec;
    PoolOptions o = FakePool(launcher);
    o.call_timeout_ms = 2000;
    WorkerPool pool(o);
    pool.Run({Job{SweepConfig(0, 1), 0, 0}}, rec);
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::Hung);
    EXPECT_TRUE(rec.ends[0].in_call);
    ASSERT_NE(worker, nullptr);
    EXPECT_TRUE(worker->killed);
    // Killed once the call had run past 2 s, and not long after.
    EXPECT_GE(launcher.Seconds(), 2.0);
    EXPECT_LT(launcher.Seconds(), 2.2);
}

TEST(PoolWithFakeWorkers, TimeTheWorkerWaitedForACpuDoesNotCountTowardsTheTimeout) {
    // A loaded machine: the call is runnable but waits for a CPU; 1.5 s of its 3 s are such waits.
    FakeLauncher launcher([&](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms == 40) w.EnterCall(Callback::Save);
            if (ms > 40) w.run_queue_wait_ns = static_cast<uint64_t>(ms - 40) * 500000;  // half of the time
            if (ms == 3040) {
                w.LeaveCall();
                w.PlayCase(0);
                w.Done();
                w.Exit(0);
            }
        };
    });
    Recorder rec;
    PoolOptions o = FakePool(launcher);
    o.call_timeout_ms = 2000;
    WorkerPool pool(o);
    pool.Run({Job{SweepConfig(0, 1), 0, 0}}, rec);
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::Done);
}

TEST(PoolWithFakeWorkers, NoProgressOutsideCallsIsAStall) {
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();  // then nothing, outside any call
        };
    });
    Recorder rec;
    WorkerPool pool(FakePool(launcher));
    pool.Run({Job{SweepConfig(0, 1), 0, 0}}, rec);
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::Stalled);
    EXPECT_GE(launcher.Seconds(), 10.0);
}

TEST(PoolWithFakeWorkers, TheDeadlineStopsTheWorkersAndLeavesTheQueueUnstarted) {
    // A worker that obeys the stop request: says done (not finished) and exits.
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms > 20 && !w.stop_requested()) w.AddExecs(1);
            if (w.stop_requested()) {
                w.Done(false);
                w.Exit(0);
            }
        };
    });
    Recorder rec;
    PoolOptions o = FakePool(launcher);
    o.deadline = Clock::time_point{} + 1s;
    WorkerPool pool(o);
    WorkerConfig fuzz = SweepConfig(0, 0);
    fuzz.mode = WorkerMode::Fuzz;
    fuzz.runs = 1000000;
    auto never = pool.Run({Job{fuzz, 0, 0}, Job{SweepConfig(0, 3), 1, 0}}, rec);
    EXPECT_TRUE(pool.deadline_hit());
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::Cut);
    ASSERT_EQ(never.size(), 1u);
    EXPECT_EQ(never[0].ordinal, 1u);
}

// The module writes the tester's state: the execution counter in the status block (so the report
// would claim executions that never ran), or the job ends "done" early without a stop request.
TEST(PoolWithFakeWorkers, AStatusBlockThatDisagreesWithTheDoneMessageIsTampering) {
    for (int variant = 0; variant < 2; ++variant) {
        FakeLauncher launcher([variant](const WorkerConfig &) {
            return [variant](FakeWorker &w, int64_t ms) {
                if (ms == 20) w.Loaded();
                if (ms == 40) {
                    w.AddExecs(10);
                    if (variant == 0) {
                        w.Done();
                        w.AddExecs(999990);  // after the worker counted: what a module's store does
                    } else {
                        w.Done(false);  // "stopped", though no one asked
                    }
                    w.Exit(0);
                }
            };
        });
        Recorder rec;
        WorkerPool pool(FakePool(launcher));
        WorkerConfig fuzz = SweepConfig(0, 0);
        fuzz.mode = WorkerMode::Fuzz;
        fuzz.runs = 1000000;
        pool.Run({Job{fuzz, 0, 0}}, rec);
        ASSERT_EQ(rec.ends.size(), 1u);
        EXPECT_EQ(rec.ends[0].how, EndHow::Tampered) << variant;
        EXPECT_NE(rec.ends[0].error.find(variant == 0 ? "executions" : "never asked"), std::string::npos)
            << rec.ends[0].error;
    }
}

TEST(PoolWithFakeWorkers, AWorkerThatIgnoresTheStopIsKilledAfterItsGrace) {
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms > 20) w.AddExecs(1);  // goes on regardless
        };
    });
    Recorder rec;
    PoolOptions o = FakePool(launcher);
    o.deadline = Clock::time_point{} + 1s;
    WorkerPool pool(o);
    WorkerConfig fuzz = SweepConfig(0, 0);
    fuzz.mode = WorkerMode::Fuzz;
    fuzz.runs = 1000000;
    pool.Run({Job{fuzz, 0, 0}}, rec);
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::Cut);
    EXPECT_GE(launcher.Seconds(), 3.0);  // the deadline, then the stop grace (2 s + 1 s)
    EXPECT_LT(launcher.Seconds(), 4.5);
}

TEST(PoolWithFakeWorkers, WhatIsNotTheProtocolKillsTheWorker) {
    for (std::string line :
         {std::string("not json"), std::string(R"({"t":"saved","state":0,"seed":"","record":""})")}) {
        FakeLauncher launcher([&](const WorkerConfig &) {
            return [&](FakeWorker &w, int64_t ms) {
                if (ms == 20) w.Loaded();
                if (ms == 40) w.SendRaw(line);  // a sweep saves no records
            };
        });
        Recorder rec;
        WorkerPool pool(FakePool(launcher));
        pool.Run({Job{SweepConfig(0, 1), 0, 0}}, rec);
        ASSERT_EQ(rec.ends.size(), 1u) << line;
        EXPECT_EQ(rec.ends[0].how, EndHow::BadMessage) << line;
        EXPECT_FALSE(rec.ends[0].error.empty());
    }
}

TEST(PoolWithFakeWorkers, APipeThatEndsBeforeDoneIsALostChannel) {
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms == 40) w.ClosePipe();  // and the worker goes on
        };
    });
    Recorder rec;
    WorkerPool pool(FakePool(launcher));
    pool.Run({Job{SweepConfig(0, 1), 0, 0}}, rec);
    ASSERT_EQ(rec.ends.size(), 1u);
    EXPECT_EQ(rec.ends[0].how, EndHow::ChannelLost);
}

// ---- the session over the pool ---------------------------------------------------------------

TEST(SessionWithFakeWorkers, ADeathIsAFindingAndTheSweepGoesOnAtTheNextCase) {
    // Case 4 of [0, 10) kills every worker that plays it.
    FakeLauncher launcher([](const WorkerConfig &) { return Sweeper(4); });
    Session session(FakeSession(launcher));
    session.Run({Job{SweepConfig(0, 10), 0, 0}});
    ASSERT_EQ(launcher.launched.size(), 2u);
    EXPECT_EQ(launcher.launched[1].begin, 5u);  // the restart goes on after the case that killed it
    EXPECT_EQ(launcher.launched[1].generation, 1u);
    auto findings = session.findings().Sorted();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rule, RuleId::SP11);
    ASSERT_TRUE(findings[0].death.has_value());
    EXPECT_EQ(session.sweep().restarts, 1u);
    EXPECT_EQ(session.sweep().cases, 10u);  // 4 + the one that killed it + 5
}

TEST(SessionWithFakeWorkers, AShardStopsAfterMaxRestartsWithOneSignature) {
    // Every worker of the shard dies the same way after 10 executions.
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms == 40) {
                w.AddExecs(10);
                w.EnterCall(Callback::Save);
                w.Die(11);
            }
        };
    });
    SessionOptions so = FakeSession(launcher);
    so.max_restarts = 3;
    Session session(so);
    WorkerConfig fuzz = SweepConfig(0, 0);
    fuzz.mode = WorkerMode::Fuzz;
    fuzz.runs = 1000;
    session.Run({Job{fuzz, 0, 0}});
    EXPECT_EQ(launcher.launched.size(), 3u);
    EXPECT_EQ(launcher.launched[1].runs, 990u);  // the executions left
    EXPECT_EQ(session.findings().size(), 1u);
    ASSERT_FALSE(session.notes().empty());
    EXPECT_NE(session.notes()[0].find("3 deaths with the same signature"), std::string::npos) << session.notes()[0];
}

// A shard promotes 130 states, then ends; the contract batches the session launches for them.
std::vector<size_t> ContractBatchesFor130PromotedStates(size_t contract_batch) {
    FakeLauncher launcher([](const WorkerConfig &c) -> FakeWorker::Script {
        if (c.mode == WorkerMode::Contract)
            return [](FakeWorker &w, int64_t ms) {
                if (ms == 20) w.Loaded();
                if (ms == 40) {
                    for (size_t i = 0; i < w.config.cases.size(); ++i) w.shared().counters.cases_run.Add(1);
                    w.Done();
                    w.Exit(0);
                }
            };
        return [n = 0](FakeWorker &w, int64_t ms) mutable {
            if (ms == 20) w.Loaded();
            if (ms > 20 && n < 130) {
                w.Send(msg::Promoted{fmt::format("{}/g0-{:08}.state", PromotedDir(w.config), n++)});
                return;
            }
            if (n == 130) {
                w.AddExecs(w.config.runs);
                w.Done();
                w.Exit(0);
                ++n;
            }
        };
    });
    SessionOptions so = FakeSession(launcher, 2);
    so.contract_batch = contract_batch;
    Session session(so);
    WorkerConfig fuzz = SweepConfig(0, 0);
    fuzz.mode = WorkerMode::Fuzz;
    fuzz.runs = 1000;
    fuzz.corpus = "/scratch/shard-0/corpus";
    session.Run({Job{fuzz, 8, 0}});
    std::vector<size_t> batches;
    for (const WorkerConfig &c : launcher.launched)
        if (c.mode == WorkerMode::Contract) batches.push_back(c.cases.size());
    EXPECT_EQ(session.fuzz().cases, 130u);  // every promoted state played
    return batches;
}

TEST(SessionWithFakeWorkers, PromotedStatesGoToContractJobsInFixedBatches) {
    // Two batches of 64 while the shard runs, one of 2 at its end.
    EXPECT_EQ(ContractBatchesFor130PromotedStates(SessionOptions{}.contract_batch), (std::vector<size_t>{64, 64, 2}));
    // check's batches (kCheckContractBatch): a shard's states in one worker, at the shard's end.
    EXPECT_EQ(ContractBatchesFor130PromotedStates(kCheckContractBatch), (std::vector<size_t>{130}));
}

// Check's coverage-guided stage as two shards of 1000 executions each (--plateau `plateau`).
std::vector<Job> TwoFuzzShards(uint64_t plateau) {
    std::vector<Job> shards;
    for (uint32_t s = 0; s < 2; ++s) {
        WorkerConfig fuzz = SweepConfig(0, 0);
        fuzz.mode = WorkerMode::Fuzz;
        fuzz.shard = s;
        fuzz.runs = 1000;
        fuzz.plateau = plateau;
        fuzz.corpus = fmt::format("/scratch/shard-{}/corpus", s);
        shards.push_back(Job{fuzz, 8 + s, 0});
    }
    return shards;
}

TEST(SessionWithFakeWorkers, TheShardsCoverageIsTheUnionOfWhatEachReached) {
    // Three counters; shard 0 reached the first, shard 1 the last; both the entry.
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms == 40) {
                msg::Covered c;
                c.pcs = {0x1000, 0x1010, 0x1020};
                c.flags = {static_cast<uint8_t>(msg::kCoverEntry | (w.config.shard == 0 ? msg::kCoverHit : 0)), 0,
                           static_cast<uint8_t>(w.config.shard == 1 ? msg::kCoverHit : 0)};
                c.inputs = 100 + w.config.shard;
                w.Send(c);
                w.AddExecs(w.config.runs);
                w.Done();
                w.Exit(0);
            }
        };
    });
    Session session(FakeSession(launcher, 2));
    session.Run(TwoFuzzShards(0));
    EXPECT_EQ(session.findings().size(), 0u);  // a shard may say what it reached: not a protocol violation
    EXPECT_EQ(session.covered_reports(), 2u);
    EXPECT_EQ(session.covered().pcs, (std::vector<uint64_t>{0x1000, 0x1010, 0x1020}));
    EXPECT_EQ(session.covered().flags, (std::vector<uint8_t>{msg::kCoverEntry | msg::kCoverHit, 0, msg::kCoverHit}));
    EXPECT_EQ(session.covered().inputs, 201u);
}

TEST(SessionWithFakeWorkers, AShardThatEndsAtItsPlateauIsCountedAndSaysSo) {
    // Shard 0 reaches its plateau after 300 of its 1000 executions; shard 1 runs them all.
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms == 40) {
                w.AddExecs(w.config.shard == 0 ? 300 : w.config.runs);
                w.Done();
                w.Exit(0);
            }
        };
    });
    Session session(FakeSession(launcher, 2));
    session.Run(TwoFuzzShards(128));
    EXPECT_EQ(session.fuzz().plateaued, 1u);
    EXPECT_EQ(session.fuzz().not_needed, 700u);
    EXPECT_EQ(session.fuzz().execs, 1300u);
    EXPECT_FALSE(session.time_cap_hit());
    bool said = false;
    for (const std::string &n : session.notes())
        said |= n.find("1 shard(s) ended once 128 executions in a row reached no new edge") != std::string::npos &&
                n.find("700 of the 2000 planned executions were not needed") != std::string::npos;
    EXPECT_TRUE(said) << fmt::format("{}", fmt::join(session.notes(), "\n"));
}

TEST(SessionWithFakeWorkers, WithoutAPlateauAShortShardIsNotCountedAsOne) {
    // --plateau 0: a shard that ran fewer executions than planned did not reach a plateau.
    FakeLauncher launcher([](const WorkerConfig &) {
        return [](FakeWorker &w, int64_t ms) {
            if (ms == 20) w.Loaded();
            if (ms == 40) {
                w.AddExecs(300);
                w.Done();
                w.Exit(0);
            }
        };
    });
    Session session(FakeSession(launcher));
    WorkerConfig fuzz = SweepConfig(0, 0);
    fuzz.mode = WorkerMode::Fuzz;
    fuzz.runs = 1000;
    session.Run({Job{fuzz, 8, 0}});
    EXPECT_EQ(session.fuzz().plateaued, 0u);
    for (const std::string &n : session.notes()) EXPECT_EQ(n.find("plateau"), std::string::npos) << n;
}

// A worker that, at its third case, is inside the hook `hook` when `end` happens to it.
FakeWorker::Script EndsInAHook(Callback hook, std::function<void(FakeWorker &)> end) {
    return [hook, end](FakeWorker &w, int64_t ms) {
        if (ms == 20) w.Loaded();
        if (ms == 40) {
            w.PlayCase(0);
            w.PlayCase(1);
            w.shared().case_index.store(2);
            w.EnterCall(hook);
            end(w);
        }
    };
}

TEST(SessionWithFakeWorkers, AHookThatCrashesIsAHarnessErrorNotAFinding) {
    FakeLauncher launcher(
        [](const WorkerConfig &) { return EndsInAHook(Callback::Prepare, [](FakeWorker &w) { w.Die(11); }); });
    Session session(FakeSession(launcher));
    session.Run({Job{SweepConfig(0, 10), 0, 0}});
    EXPECT_EQ(session.findings().size(), 0u);
    EXPECT_NE(session.load_error().find("VspConformancePreparePacket crashed with SIGSEGV"), std::string::npos)
        << session.load_error();
}

// A stop signal stops the whole process: a thread of the module can send it while the hook runs,
// so it is the module's finding (SP11), never the hook's harness error.
TEST(SessionWithFakeWorkers, AWorkerStoppedWhileAHookRunsIsTheModulesFinding) {
    FakeLauncher launcher(
        [](const WorkerConfig &) { return EndsInAHook(Callback::Release, [](FakeWorker &w) { w.stopped = true; }); });
    Session session(FakeSession(launcher));
    session.Run({Job{SweepConfig(0, 10), 0, 0}});
    EXPECT_EQ(session.load_error(), "");
    auto findings = session.findings().Sorted();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rule, RuleId::SP11);
    EXPECT_EQ(findings[0].kind, "stopped the worker");
}

// The same jobs, the same script: the same counts and findings whatever the number of workers.
TEST(SessionWithFakeWorkers, CountsAndFindingsDoNotDependOnTheNumberOfWorkers) {
    auto run = [](unsigned jobs) {
        FakeLauncher launcher([](const WorkerConfig &c) { return Sweeper(c.begin == 0 ? 3 : c.begin + 2); });
        Session session(FakeSession(launcher, jobs));
        std::vector<Job> plan;
        for (uint32_t i = 0; i < 4; ++i) plan.push_back(Job{SweepConfig(i * 10, i * 10 + 10), i, 0});
        session.Run(plan);
        std::vector<std::string> keys;
        for (const Finding &f : session.findings().Sorted()) keys.push_back(f.Key() + "@" + std::to_string(f.op_index));
        return std::make_tuple(session.sweep().cases, session.sweep().restarts, session.findings().size(), keys);
    };
    auto one = run(1), three = run(3);
    EXPECT_EQ(one, three);
    EXPECT_EQ(std::get<0>(one), 40u);
}

}  // namespace
}  // namespace vspc
