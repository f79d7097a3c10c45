#include "Worker.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string_view>
#include <unordered_set>

#include <fmt/format.h>

#include "Archive.h"
#include "Behaviour.h"
#include "CaseFile.h"
#include "Coverage.h"
#include "Dump.h"
#include "Fault.h"
#include "Files.h"
#include "Minimize.h"
#include "Mutate.h"
#include "Player.h"
#include "Protocol.h"
#include "Sandbox.h"
#include "Sha256.h"
#include "Sweep.h"
#include "WdkSupport.h"

extern "C" int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *data, size_t size));
// libFuzzer prints everything it says (its "WARNING: Failed to find function" lines about sanitizer hooks a
// host without ASan lacks, its INFO lines, its recommended dictionary) through one FILE it lets a host replace.
// Weak: an engine without it (AFL++'s driver) just keeps its own output.
namespace fuzzer {
__attribute__((weak)) void SetOutputFile(FILE *file);
}

namespace vspc {

namespace {

namespace fs = std::filesystem;

class WorkerSession {
public:
    WorkerSession(const WorkerConfig &config, SharedStatus *status)
        : config_(config), status_(status), player_(module_, kmcl_, status) {}
    // In the foreground process (replay --debug): messages go to `sink`, and Main returns.
    WorkerSession(const WorkerConfig &config, SharedStatus *status, std::function<void(const Message &)> sink)
        : WorkerSession(config, status) {
        sink_ = std::move(sink);
    }

    int Main();
    void SetSandbox(const SandboxState &s) { sandbox_ = s; }

    // The libFuzzer callback's side (through a trampoline).
    int FuzzOne(const uint8_t *data, size_t size);
    void OnExit();

private:
    void Send(const Message &m);
    void SendText(const std::string &text);
    void SendFindings();
    void Finish(bool finished);
    // One per job kind (JobKinds.def), each named after its kind.
    void Sweep();
    void Fuzz();
    void Replay();
    void SeedCorpus();
    void Promote(const std::vector<uint8_t> &state);
    void Contract();
    void Records();
    void Migrate();
    void Minimize();
    void Coverage();
    void Cases();
    void Confirm();
    CompatInfo CompatOf(const std::vector<uint8_t> &record) const;
    void PlayContract(const std::vector<uint8_t> &state, uint64_t index);
    const Case &RecordFieldPart(const PlannedCase &entry, std::vector<uint8_t> record);

    WorkerConfig config_;
    SharedStatus *status_;
    std::function<void(const Message &)> sink_;  // set: the foreground (no pipe, no supervisor)
    Kmcl kmcl_;
    Module module_;
    Player player_;
    ModuleCoverage coverage_;
    std::vector<Finding> fresh_;
    struct CaseToPlay {
        std::vector<uint8_t> bytes;
        Profile profile = Profile::Strict;
    };
    CaseToPlay ReadCase(const std::string &path) { return ReadCase(path, config_.profile); }
    CaseToPlay ReadCase(const std::string &path, Profile bare);
    // Fuzz mode
    Case input_;
    uint64_t executions_ = 0, initial_inputs_ = 0;
    // A check shard's or sweep chunk's coverage (its end sends it): what loading reached, and every
    // execution (a shard's, through coverage_.Observe) or case (a sweep's, collected into load_hits_).
    bool sends_coverage_ = false;
    std::vector<uint8_t> load_hits_;
    uint64_t execs_ = 0;  // coverage-guided executions and minimization candidates, counted here
    uint64_t promoted_count_ = 0;
    // The plateau (config_.plateau): the behaviour buckets seen so far (the module's edges are
    // coverage_'s), the executions counted toward it (kPlateauExecutionBytes) and that count when an
    // execution last reached a new edge or behaviour.
    BucketSet behaviour_seen_;
    uint64_t plateau_count_ = 0, last_growth_ = 0;
    std::vector<std::vector<uint8_t>> partners_;
    std::unordered_set<uint64_t> promoted_;  // states (by hash) already promoted
    bool done_sent_ = false;
    // Sweep mode: the record-field stage's cases per state, with the record they mutate.
    struct RecordFields {
        std::vector<uint8_t> record;
        std::vector<Case> cases;
    };
    std::map<std::vector<uint8_t>, RecordFields> record_fields_;
    SandboxState sandbox_;  // what was in force when the module was loaded
};

WorkerSession *g_session = nullptr;  // the libFuzzer callback's trampoline

// libFuzzer's own output in a shard whose engine is to be quiet (WorkerConfig::quiet_engine): only its
// error reports reach the worker log (an out-of-memory, a deadly signal, the input it wrote), not the
// warnings and statistics it prints in every shard. The module's own output is untouched (it writes to
// the real stderr, not through this FILE).
bool KeepEngineLine(std::string_view line) {
    return line.starts_with("==") || line.starts_with("SUMMARY") || line.starts_with("MS:") ||
           line.find("ERROR") != std::string_view::npos || line.find("Test unit written to") != std::string_view::npos;
}

ssize_t WriteEngineOutput(void *cookie, const char *data, size_t size) {
    auto *pending = static_cast<std::string *>(cookie);
    pending->append(data, size);
    size_t start = 0;
    for (size_t nl; (nl = pending->find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(pending->data() + start, nl + 1 - start);
        for (size_t done = 0; KeepEngineLine(line) && done < line.size();) {
            ssize_t n = write(2, line.data() + done, line.size() - done);
            if (n <= 0 && errno != EINTR) break;
            if (n > 0) done += static_cast<size_t>(n);
        }
    }
    pending->erase(0, start);
    if (pending->size() > 4096) pending->clear();  // a line that long is no error report
    return static_cast<ssize_t>(size);
}

FILE *QuietEngineOutput() {
    static std::string *pending = new std::string;
    cookie_io_functions_t io{};
    io.write = WriteEngineOutput;
    FILE *f = fopencookie(pending, "w", io);
    if (f) setvbuf(f, nullptr, _IOLBF, 0);
    return f;
}

void WorkerSession::Send(const Message &m) {
    if (sink_) {
        sink_(m);
        return;
    }
    std::string line = EncodeMessage(m) + "\n";
    const char *p = line.data();
    size_t left = line.size();
    while (left > 0) {
        ssize_t n = TesterWrite(config_.out_fd, p, left);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            _exit(71);  // the supervisor is gone
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
}

// Multi-line trace text (--dump's), in messages well under kMaxMessageBytes:
// a 1 MiB record is some 5 MiB of hex dump.
void WorkerSession::SendText(const std::string &text) {
    constexpr size_t kChunk = 256 << 10;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.size();
        if (end - start > kChunk) {
            end = text.rfind('\n', start + kChunk);
            end = end == std::string::npos || end < start ? start + kChunk : end + 1;
        }
        Send(msg::Trace{text.substr(start, end - start)});
        start = end;
    }
}

void WorkerSession::SendFindings() {
    for (Finding &f : fresh_) Send(msg::Found{std::move(f)});
    fresh_.clear();
}

void WorkerSession::Finish(bool finished) {
    if (done_sent_) return;
    done_sent_ = true;
    if (sends_coverage_) {  // what this shard's executions or this sweep's cases reached, and its loading
        msg::Covered covered;
        std::vector<uint8_t> entry, hit = load_hits_;
        covered.pcs = coverage_.Pcs(&entry);
        coverage_.ObservedInto(hit);
        covered.inputs = config_.mode == WorkerMode::Sweep ? player_.cases_run() : executions_;
        if (covered.pcs.size() == hit.size())
            for (size_t k = 0; k < hit.size(); ++k)
                covered.flags.push_back(
                    static_cast<uint8_t>((entry[k] ? msg::kCoverEntry : 0) | (hit[k] ? msg::kCoverHit : 0)));
        else
            covered.pcs.clear();
        Send(covered);
    }
    msg::Done done;
    for (const auto &[key, n] : player_.repeats()) done.repeats.emplace_back(key, n);
    // The counts the verdict rests on, from this process's own memory: the supervisor takes
    // these, and a status block that says otherwise was written by someone else.
    done.finished = finished;
    done.cases_run = player_.cases_run();
    done.cases_skipped = player_.cases_skipped();
    done.calls = player_.runner().calls_returned();
    done.execs = execs_;
    done.state_saves = player_.state_saves();
    done.evidence = player_.evidence();
    Send(done);
}

// The record the case's first packet saved (KMCL's pair: a save into a buffer of N), as KMCL
// keeps it; empty when it saved none (a skipped case, a packet without state, a failed save).
std::vector<uint8_t> SavedRecord(const CaseLog &log) {
    if (log.skipped || log.packets.empty() || log.packets[0].has_state != Tri::Yes) return {};
    for (const CallRecord &c : log.calls)
        if (c.callback == Callback::Save && c.packet == 0 && c.size > 0 && NtSuccess(c.status) &&
            c.bytes_needed_written && c.data_size > 0) {
            auto rec = log.Bytes(c.data_offset, c.data_size);
            return {rec.begin(), rec.end()};
        }
    return {};
}

void WorkerSession::Sweep() {
    const auto plan = SweepPlan(config_.seed, config_.begin, config_.end);
    uint64_t end = std::min<uint64_t>(config_.end, plan.size());
    uint64_t i = config_.begin;
    // In a coverage build the sweep reports what its cases reached when it ends, as a check shard
    // does (the run's coverage table is their union); what loading reached counts too.
    if (coverage_.counters() > 0) {
        sends_coverage_ = true;
        coverage_.CollectInto(load_hits_);
    }
    auto play = [&](const Case &c) {
        player_.Play(c, config_.profile, Stage::Sweep, i, fresh_);
        SendFindings();
        if (sends_coverage_) coverage_.CollectInto(load_hits_);
    };
    for (; i < end && !StopRequested(); ++i) {
        play(plan[i].c);
        if (plan[i].expand != Expand::RecordFields) continue;
        if (StopRequested()) break;  // its second case not played: the entry is not done
        // The record this save wrote, its fields mutated: the entry's part of them, a second case.
        play(RecordFieldPart(plan[i], SavedRecord(player_.log())));
    }
    Finish(i >= end);
}

// The stage's cases for an entry's state and record are made once per worker (a chunk holds
// several parts of each state); a record that differs from the last one of its state (a module
// whose saves are not a function of the state) gets its own.
const Case &WorkerSession::RecordFieldPart(const PlannedCase &entry, std::vector<uint8_t> record) {
    RecordFields &f = record_fields_[entry.c.seeds[0]];
    if (f.cases.empty() || f.record != record) {
        f.cases = RecordFieldCases(entry.c.seeds[0], record);
        f.record = std::move(record);
    }
    return f.cases.at(entry.part);
}

// A case file as this job plays it: its case, under the profile (and compat direction) its header
// names when the job says so, else the job's own. The compat judging is set for it.
WorkerSession::CaseToPlay WorkerSession::ReadCase(const std::string &path, Profile bare) {
    CaseToPlay out;
    std::vector<uint8_t> file = ReadFileBytes(path, kMaxCaseFileBytes);
    auto parsed = ParseCaseFile(file, true);  // the supervisor has judged what it hands over
    out.bytes = parsed ? std::move(parsed->bytes) : std::move(file);
    out.profile = parsed && parsed->has_header ? config_.profile : bare;
    std::optional<CompatDirection> direction;
    if (config_.compat) direction = config_.direction;
    if (config_.header_profile && parsed && parsed->has_header) {
        if (parsed->info.profile) out.profile = *parsed->info.profile;
        if (parsed->info.direction) direction = parsed->info.direction;
    }
    if (direction)
        player_.SetCompat(CompatInfo{*direction, config_.old_sha256, config_.new_sha256, {}}, true);
    else
        player_.SetCompat(std::nullopt);
    return out;
}

void WorkerSession::Replay() {
    Case current;  // the case being played, as decoded (for --dump's labels)
    Runner &runner = player_.runner();
    runner.SetTrace([&](const CaseLog &log, const CallRecord &call) {
        int index = static_cast<int>(log.calls.size()) - 1;
        Send(msg::Trace{fmt::format("#{:<3} {}", index, DescribeCall(log, call))});
        if (config_.dump)
            if (std::string record = DumpSavedRecord(log, call, index); !record.empty()) SendText(record);
    });
    // Before each call: --dump's view of its input (sent first, so that it is
    // shown even when the call kills the worker); in the foreground, the note
    // printed if the call kills the process, and stdout flushed.
    if (config_.dump || sink_)
        runner.SetBeforeCall(
            [&](const CallRecord &rec, int index, std::span<const uint8_t> input, std::span<const uint8_t> lib) {
                if (config_.dump)
                    if (std::string in = DumpCallInput(current, rec, index, input, lib); !in.empty()) SendText(in);
                if (sink_) {
                    SetDeathNote("  " + DescribeUnfinishedCall(rec, index) + "\n");
                    std::fflush(stdout);
                }
            });
    for (size_t i = 0; i < config_.cases.size(); ++i) {
        CaseToPlay c = ReadCase(config_.cases[i]);
        const std::vector<uint8_t> &bytes = c.bytes;
        Send(msg::CaseBegin{i, config_.cases[i], c.profile});
        DecodeCase(bytes.data(), bytes.size(), current);
        if (config_.dump) SendText(DumpCase(current));
        player_.Play(bytes.data(), bytes.size(), c.profile, Stage::Replay, i, fresh_);
        SendFindings();
        const CaseLog &log = player_.log();
        Send(msg::CaseEnd{i, log.skipped, log.skip_reason, log.restore_ops_skipped});
    }
    Finish(true);
}

// Case files (a team's corpus and regression cases): each played and judged, under the profile
// its header names; a bare case (a corpus file the exploration tier made) under kmcl.
void WorkerSession::Cases() {
    size_t i = 0;
    for (; i < config_.cases.size() && !StopRequested(); ++i) {
        CaseToPlay c = ReadCase(config_.cases[i], Profile::Kmcl);
        player_.Play(c.bytes.data(), c.bytes.size(), c.profile, Stage::Fuzz, i, fresh_);
        SendFindings();
    }
    player_.SetCompat(std::nullopt);
    Finish(i >= config_.cases.size());
}

// A case that hung, played again alone (the supervisor times it as any other).
void WorkerSession::Confirm() {
    size_t i = 0;
    for (; i < config_.cases.size() && !StopRequested(); ++i) {
        CaseToPlay c = ReadCase(config_.cases[i]);
        player_.Play(c.bytes.data(), c.bytes.size(), c.profile, Stage::Replay, i, fresh_);
        fresh_.clear();
    }
    Finish(i >= config_.cases.size());
}

// The records this build saves for the sweep's states: KMCL's pair, into an exact-size
// buffer, for each state with VSP state (judged as any case is).
void WorkerSession::Records() {
    const auto seeds = SweepSeeds(config_.seed);
    uint64_t end = std::min<uint64_t>(config_.end, seeds.size());
    uint64_t i = config_.begin;
    for (; i < end && !StopRequested(); ++i) {
        player_.Play(ExploreCase(seeds[i], false), Profile::Kmcl, Stage::Sweep, i, fresh_);
        SendFindings();
        if (std::vector<uint8_t> rec = SavedRecord(player_.log()); !rec.empty())
            Send(msg::Saved{i, seeds[i], std::move(rec)});
    }
    Finish(i >= end);
}

CompatInfo WorkerSession::CompatOf(const std::vector<uint8_t> &record) const {
    return CompatInfo{config_.direction, config_.old_sha256, config_.new_sha256, record};
}

// Another build's records (an archive): each restored as it is, next to this build's own
// save of the same seed (the compat rules), then mutated (RP2-RP4).
void WorkerSession::Migrate() {
    RecordArchive archive;
    if (std::string err = ReadArchive(config_.archive, archive); !err.empty()) {
        Send(msg::LoadError{err});
        return;
    }
    uint64_t end = std::min<uint64_t>(config_.end, archive.entries.size());
    uint64_t i = config_.begin;
    for (; i < end && !StopRequested(); ++i) {
        const ArchiveEntry &e = archive.entries[i];
        const auto cases = MigrationCases(e.seed, e.record, config_.seed ^ (i * 0x9E3779B97F4A7C15ull));
        for (size_t k = 0; k < cases.size() && !StopRequested(); ++k) {
            player_.SetCompat(CompatOf(e.record), k == 0);  // the first is the record as it is
            player_.Play(cases[k], config_.profile, Stage::Compat, i, fresh_);
            SendFindings();
        }
    }
    player_.SetCompat(std::nullopt);
    Finish(i >= end);
}

// The shard's first corpus: the sweep's short states as KMCL's pair (libFuzzer
// grows them; short inputs put the mutations where a state's deciding bytes
// are). Odd shards (with a restore callback) also get, for every other state, a
// round trip and its own saved record given back to restore as bytes, for the
// byte mutators to work on; even shards explore states alone, at the pace of
// the save path.
void WorkerSession::SeedCorpus() {
    std::error_code ec;
    fs::create_directories(config_.corpus, ec);
    // A restarted shard goes on with its corpus; a campaign's shards share one, and each adds
    // the seeds it lacks (a user's corpus keeps its files; a restart adds nothing new).
    if (!config_.shared_corpus && !fs::is_empty(config_.corpus, ec)) return;
    if (config_.shared_corpus && config_.generation > 0) return;
    const auto seeds = SweepSeeds(config_.seed);
    auto write = [&](const Case &c, size_t i, const char *what) {
        fs::path file = fs::path(config_.corpus) / fmt::format("seed-{:03}-{}", i, what);
        if (config_.shared_corpus && fs::exists(file, ec)) return;
        (void)WriteFileAtomically(file.string(), EncodeCase(c));
    };
    // Another build's records (compat, --restore-corpus), for the byte mutators to turn into
    // the versions, magics and lengths of its layout. A compat shard explores only them.
    RecordArchive archive;
    if (!config_.archive.empty() && ReadArchive(config_.archive, archive).empty())
        for (size_t i = 0; i < archive.entries.size(); ++i)
            if (archive.entries[i].seed.size() <= kExploreSeedMax)
                write(ExploreRestoreCase(archive.entries[i].seed, archive.entries[i].record), i, "archived");
    if (config_.compat) return;
    for (size_t i = 0, k = 0; i < seeds.size(); ++i) {
        if (seeds[i].size() > kExploreSeedMax) continue;
        write(ExploreCase(seeds[i], false), i, "pair");
        if (!module_.restore || config_.shard % 2 == 0 || k++ % 2) continue;
        write(ExploreCase(seeds[i], true), i, "roundtrip");
        player_.Play(ExploreCase(seeds[i], false), Profile::Kmcl, Stage::Fuzz, 0, fresh_);
        SendFindings();
        const CaseLog &log = player_.log();
        for (const CallRecord &c : log.calls)
            if (c.callback == Callback::Save && c.data_size > 0) {
                auto rec = log.Bytes(c.data_offset, c.data_size);
                write(ExploreRestoreCase(seeds[i], {rec.begin(), rec.end()}), i, "record");
                break;
            }
    }
}

// A state that reached new coverage: written beside the corpus, for a
// Contract job to give it the full contract in another worker (played here,
// its coverage would be credited to whatever input libFuzzer runs next).
void WorkerSession::Promote(const std::vector<uint8_t> &state) {
    fs::path dir = PromotedDir(config_);
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::path file = dir / fmt::format("g{}-{:08}.state", config_.generation, executions_);
    if (!WriteFileAtomically(file.string(), state)) return;
    status_->counters.promoted.Add(1);
    ++promoted_count_;
    Send(msg::Promoted{file.string()});
}

void WorkerSession::PlayContract(const std::vector<uint8_t> &state, uint64_t index) {
    // N from a probe of the state alone (the truncations go up to it).
    player_.Play(ExploreCase(state, false), Profile::Kmcl, Stage::Fuzz, index, fresh_);
    SendFindings();
    uint32_t record_len = 0;
    for (const CallRecord &c : player_.log().calls)
        if (c.callback == Callback::Save && c.size == 0 && c.bytes_needed_written)
            record_len = std::max(record_len, std::min<uint32_t>(c.bytes_needed, 4096));
    if (record_len == 0) record_len = 64;
    uint64_t h = 0;
    for (uint8_t b : state) h = h * 1099511628211ull + b;
    for (const Case &c : StateCases(state, partners_, record_len, h ^ config_.seed)) {
        if (StopRequested()) return;
        player_.Play(c, config_.profile, Stage::Fuzz, index, fresh_);
        SendFindings();
    }
}

void WorkerSession::Contract() {
    const auto seeds = SweepSeeds(config_.seed);
    for (size_t i : {9, 13, 24, 31}) partners_.push_back(seeds[i % seeds.size()]);
    size_t i = 0;
    for (; i < config_.cases.size() && !StopRequested(); ++i) {
        std::vector<uint8_t> state = ReadFileBytes(config_.cases[i], kMaxSeedSize);
        PlayContract(state, i);
    }
    Finish(i >= config_.cases.size());
}

// The case in cases[0], shrunk while it still shows the finding config_.target; every
// smaller case is written to config_.output at once (a later candidate may kill the
// worker: the supervisor resumes from there). A death target's candidates that show it
// end this worker; the supervisor takes the candidate from the status block.
void WorkerSession::Minimize() {
    Case start = DecodeCase(ReadCase(config_.cases.at(0)).bytes);
    auto shows = [&](const Case &c, uint64_t number) {
        ++execs_;
        status_->counters.execs.Add(1);
        return player_.Shows(c, config_.profile, config_.target, number);
    };
    msg::Minimized result{config_.output, 0, 0, true, true};
    if (!config_.target_death && !player_.Shows(start, config_.profile, config_.target, UINT64_MAX)) {
        result.reproduced = false;  // the case does not show it (another profile, a flaky module)
        Send(result);
        return Finish(true);
    }
    MinimizeLimits limits;
    limits.max_tries = std::max<uint64_t>(config_.runs, 1);
    limits.reject.insert(config_.reject.begin(), config_.reject.end());
    auto accepted = [&](const Case &best) {
        if (WriteFileAtomically(config_.output, EncodeCase(best)))
            Send(msg::Minimized{config_.output, 0, 0, true, false});
    };
    MinimizeResult r = MinimizeCase(start, shows, limits, accepted);
    result.tries = r.tries;
    result.accepted = r.accepted;
    if (r.accepted == 0 && !WriteFileAtomically(config_.output, EncodeCase(start))) result.file.clear();
    Send(result);
    // The finding as the smallest case shows it (its message, call and offsets are the reproducer's).
    if (!config_.target_death) {
        Finding f;
        if (player_.Shows(r.best, config_.profile, config_.target, UINT64_MAX - 1, &f)) {
            f.stage = Stage::Replay;
            Send(msg::Found{std::move(f)});
        }
    }
    Finish(true);
}

// The module's edges reached by the case files in `cases` (each played once, as the
// exploration tier plays its inputs when config_.shared_corpus says they are a
// campaign's corpus): per inline counter its PC and whether any case reached it.
void WorkerSession::Coverage() {
    msg::Covered out;
    std::vector<uint8_t> entry;
    out.pcs = coverage_.Pcs(&entry);
    std::vector<uint8_t> hit(coverage_.counters(), 0);
    // What loading reached counts: the init hook and the channel's set-up ran before any case.
    coverage_.CollectInto(hit);
    uint64_t i = 0;
    for (; i < config_.cases.size() && !StopRequested(); ++i) {
        Case c = DecodeCase(CaseBytesOf(ReadFileBytes(config_.cases[i], kMaxCaseFileBytes)));
        if (config_.shared_corpus) ShapeForExploration(c);
        player_.Play(c, config_.shared_corpus ? Profile::Kmcl : config_.profile, Stage::Replay, i, fresh_);
        fresh_.clear();  // coverage, not findings
        coverage_.CollectInto(hit);
        ++out.inputs;
    }
    if (out.pcs.size() == hit.size())
        for (size_t k = 0; k < hit.size(); ++k)
            out.flags.push_back(
                static_cast<uint8_t>((entry[k] ? msg::kCoverEntry : 0) | (hit[k] ? msg::kCoverHit : 0)));
    else
        out.pcs.clear();
    Send(out);
    Finish(i >= config_.cases.size());
}

int WorkerSession::FuzzOne(const uint8_t *data, size_t size) {
    if (StopRequested()) {
        Finish(false);
        _exit(0);
    }
    ++executions_;
    ++execs_;
    status_->counters.execs.Add(1);
    // The exploration tier: its packets in flight (mostly one), KMCL's pair into an exact-size
    // buffer, and the restores the input asks for; judged under the kmcl profile (the calls
    // KMCL makes are legal in both).
    DecodeCase(data, size, input_);
    if (InExploreShape(input_)) {
        player_.PlayEncoded(input_, data, size, Profile::Kmcl, Stage::Fuzz, executions_, fresh_);
    } else {  // not in the explorer's shape (libFuzzer's empty input, a plain byte mutation): make it so
        ShapeForExploration(input_);
        player_.Play(input_, Profile::Kmcl, Stage::Fuzz, executions_, fresh_);
    }
    SendFindings();
    NoteBehaviour(player_.log());
    const size_t edges_before = coverage_.edges_seen();
    bool fresh_coverage = coverage_.Observe();
    // The plateau (config_.plateau): the shard has stopped learning once that many executions in a
    // row reached no new edge (hit-count bucket) of the module and no new behaviour. Counted in
    // executions (one more per kPlateauExecutionBytes an execution kept beyond the first), so the
    // shard ends at the same one in every run.
    const uint64_t kept = player_.log().bytes.size();
    plateau_count_ += 1 + kept / kPlateauExecutionBytes;
    if (kept >= kPlateauExecutionBytes) status_->counters.heavy_execs.Add(1);
    if (behaviour_seen_.Observe(BehaviourCounters(), BehaviourCounterCount()) || coverage_.edges_seen() != edges_before)
        last_growth_ = plateau_count_;
    const bool plateaued = config_.plateau > 0 && plateau_count_ - last_growth_ >= config_.plateau;
    if (fresh_coverage) status_->counters.edges.value.store(coverage_.edges_seen(), std::memory_order_relaxed);
    // States that reached new coverage (and a sample of the rest) get the full
    // contract, within a budget that grows with the executions.
    if (!config_.compat && executions_ > initial_inputs_ && !player_.log().skipped &&
        promoted_count_ < kPromotionStart + executions_ / kPromotionPace) {
        // The first packet's (with several in flight, the others are mostly its copies).
        // (libstdc++'s byte hash, eight bytes at a time and the same in every run: a byte-wise
        // hash here was a twentieth of an execution's time on a small module.)
        const std::vector<uint8_t> &state = input_.seeds[0];
        const uint64_t h =
            std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char *>(state.data()), state.size()));
        bool sampled = (h >> 17) % kPromotionSampling == 0;
        if ((fresh_coverage || sampled) && promoted_.insert(h).second) Promote(input_.seeds[0]);
    }
    if (executions_ >= config_.runs || plateaued) {
        // Its executions are done (or would add nothing more): end here, as every worker ends, rather than by
        // libFuzzer's exit() (which runs the module's thread_local destructors and atexit handlers first: its teardown
        // is not under test).
        Finish(true);
        _exit(0);
    }
    return 0;
}

void WorkerSession::OnExit() {
    // libFuzzer ends its run with exit(): report completion then, unless the
    // exit came from inside a module call (that is a finding: the supervisor
    // sees an exit without a done message).
    if (status_->in_call.load(std::memory_order_relaxed)) return;
    if (!StopRequested() && executions_ < config_.runs) {
        // libFuzzer gave up by itself (a flag it refused, a directory it could not use) before the
        // shard's executions: the stage did not run, and that is not a finished job.
        Send(msg::LoadError{fmt::format(
            "the coverage-guided engine (libFuzzer) ended by itself after {} of {} executions; its own words are "
            "in worker.log",
            executions_, config_.runs)});
        _exit(3);
    }
    Finish(!StopRequested());
    // The module's destructors and atexit handlers would run next: its teardown is not under
    // test, and a slow or crashing one must not turn a finished shard into a death.
    _exit(0);
}

int FuzzTrampoline(const uint8_t *data, size_t size) { return g_session->FuzzOne(data, size); }
void ExitTrampoline() {
    if (g_session) g_session->OnExit();
}

void WorkerSession::Fuzz() {
    SetMutationMode(MutationMode::Explore);
    if (config_.compat) player_.SetCompat(CompatOf({}));

    SeedCorpus();
    std::error_code ec;
    for (auto it = fs::directory_iterator(config_.corpus, ec); !ec && it != fs::directory_iterator(); ++it)
        ++initial_inputs_;
    ++initial_inputs_;  // libFuzzer tries the empty input first
    uint64_t libfuzzer_seed = 1 + (config_.seed * 0x9E3779B97F4A7C15ull + config_.shard * 0xBF58476D1CE4E5B9ull +
                                   config_.generation * 0x94D049BB133111EBull) %
                                      0x7FFFFFFEu;
    // libFuzzer's own artifacts (an out-of-memory input, say): beside a check shard's corpus, or
    // with a campaign's promoted states (never beside what may be the user's corpus).
    std::string work = config_.shared_corpus ? PromotedDir(config_) : fs::path(config_.corpus).parent_path().string();
    // A campaign's shard runs until it is stopped (runs at the maximum) and reloads the corpus
    // the other shards grow.
    std::string runs = config_.runs >= uint64_t{INT64_MAX} ? "-runs=-1" : fmt::format("-runs={}", config_.runs);
    std::vector<std::string> args = {"vspconform-fuzz", runs, fmt::format("-seed={}", libfuzzer_seed),
                                     fmt::format("-max_len={}", config_.max_len),
                                     "-len_control=100",  // as without a custom mutator: inputs grow gradually
                                     // The value profile (comparison operands as features): a plain build's
                                     // only guide through its memcmp/strcmp/... (the host's interceptors).
                                     // Not in a coverage build: its edges guide, libFuzzer's CMP mutator
                                     // and the host's narrow-compare table (Compares.h) replace operands,
                                     // and the profile's scan of its map was a third of every execution.
                                     coverage_.counters() > 0 ? "-use_value_profile=0" : "-use_value_profile=1",
                                     config_.shared_corpus ? "-reload=1" : "-reload=0", "-timeout=0",
                                     "-rss_limit_mb=4096", "-malloc_limit_mb=0", "-detect_leaks=0", "-handle_segv=0",
                                     "-handle_bus=0", "-handle_fpe=0", "-handle_ill=0", "-handle_abrt=0",
                                     "-handle_int=0", "-handle_term=0", "-print_final_stats=0",
                                     fmt::format("-artifact_prefix={}/artifact-", work.empty() ? "." : work)};
    if (config_.quiet_engine) {
        args.push_back("-verbosity=0");
        if (fuzzer::SetOutputFile)
            if (FILE *quiet = QuietEngineOutput()) fuzzer::SetOutputFile(quiet);
    }
    args.push_back(config_.corpus);
    for (const std::string &dir : config_.corpus_in) args.push_back(dir);  // read, never written
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    char **argvp = argv.data();
    // A check shard reports the coverage its executions reached when it ends (the run's coverage
    // table, without a worker that replays the corpus); what loading reached counts too.
    if (coverage_.counters() > 0 && !config_.shared_corpus) {
        sends_coverage_ = true;
        coverage_.CollectInto(load_hits_);
    }
    std::atexit(ExitTrampoline);
    LLVMFuzzerRunDriver(&argc, &argvp, FuzzTrampoline);
}

int WorkerSession::Main() {
    if (sink_) {
        InstallDeathNote(status_);
        SetDeathNote("  loading the module (its init hook) -> did not return\n");
        std::fflush(stdout);
    } else {
        InstallFaultHandlers(status_);
    }
    std::string error = LoadModule(config_.module, kmcl_, status_, module_);
    if (!error.empty()) {
        Send(msg::LoadError{error});
        return 3;
    }
    ResetWdkRecords();  // what the init hook allocated is the channel's, not a packet's
    // A harness error (the test hooks leak packet objects) ends the job: the run cannot test.
    player_.runner().SetHarnessErrorHandler([this](const std::string &why) {
        Send(msg::LoadError{why});
        if (sink_) return;
        _exit(3);
    });
    Hooks hooks;
    hooks.save = module_.save != nullptr;
    hooks.restore = module_.restore != nullptr;
    hooks.prepare = module_.prepare != nullptr;
    hooks.release = module_.release != nullptr;
    hooks.init_hook = module_.via_init_hook;
    const ModuleCode code = ModuleCodeOf(module_.handle);
    auto entry = [&](auto fn) -> uint64_t {
        auto at = reinterpret_cast<uintptr_t>(fn);
        return fn && at >= code.begin && at < code.end ? at - code.base : 0;
    };
    hooks.save_entry = entry(module_.save);
    hooks.restore_entry = entry(module_.restore);
    // The fuzz tier follows the module's own counters (read once, here).
    if (KindOf(config_.mode).coverage() && coverage_.Attach(module_)) hooks.coverage_counters = coverage_.counters();
    Send(msg::Loaded{hooks, sandbox_});
    // The job's entry point: the member function named after its kind (JobKinds.def).
    static constexpr void (WorkerSession::*kJobs[])() = {
#define VSPC_JOB(Kind, ...) &WorkerSession::Kind,
#include "JobKinds.def"
#undef VSPC_JOB
    };
    (this->*kJobs[static_cast<size_t>(config_.mode)])();
    Finish(true);
    if (sink_) return 0;  // the foreground's caller prints the verdict, then leaves the same way
    // Leave without running the module's destructors or atexit handlers: the
    // supervisor has all it needs, and a module's teardown is not under test.
    _exit(0);
}

}  // namespace

int RunReplayInForeground(const WorkerConfig &config, std::function<void(const Message &)> sink) {
    WorkerConfig c = config;
    c.mode = WorkerMode::Replay;
    // The status block a supervisor would share: here only the fault handler and the death note read it.
    static SharedStatus *status = new SharedStatus();
    static WorkerSession *session = new WorkerSession(c, status, std::move(sink));
    return session->Main();
}

int RunWorkerIfRequested(int argc, char **argv) {
    if (argc < 3 || std::strcmp(argv[1], "__worker") != 0) return -1;
    WorkerConfig config;
    if (std::string err = DecodeConfig(argv[2], config); !err.empty()) {
        std::fprintf(stderr, "vspconform worker: %s\n", err.c_str());
        return 70;
    }
    void *shm = mmap(nullptr, sizeof(SharedStatus), PROT_READ | PROT_WRITE, MAP_SHARED, config.shm_fd, 0);
    if (shm == MAP_FAILED) return 70;
    // The control block: read-only here (its memfd is sealed against writable mappings).
    void *ctl = mmap(nullptr, kWorkerControlBytes, PROT_READ, MAP_SHARED, config.ctl_fd, 0);
    if (ctl == MAP_FAILED) return 70;
    SetWorkerControl(static_cast<const WorkerControl *>(ctl));
    close(config.ctl_fd);  // the mapping is all it needs; the module gets no descriptor of it
    static WorkerSession *session = new WorkerSession(config, static_cast<SharedStatus *>(shm));
    g_session = session;
    // Before the module is loaded (its constructors run in dlopen): the seccomp filter.
    session->SetSandbox(
        EnterWorkerSandbox(config.sandbox, config.host_ns, config.out_fd, config.shm_fd, shm, sizeof(SharedStatus)));
    return session->Main();
}

}  // namespace vspc
