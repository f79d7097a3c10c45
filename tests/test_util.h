// Helpers for the tests that drive the vspconform command line: run a
// subprocess with captured output, make scratch directories, read files, and
// the sample manifest the samples/ CMakeLists registers.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vspc_test {

namespace fs = std::filesystem;

// One entry of the sample manifest (tests/sample_manifest.inc, generated from
// the vspc_sample() calls in samples/CMakeLists.txt).
struct SampleSpec {
    const char *name;
    const char *path;
    const char *strict;  // "pass" or "SP5 RP2 ..."
    const char *kmcl;
    const char *warn;  // "SW1 SW2" or ""
    int exit_code;     // 0, 1, or what a module that cannot be tested gives (2)
    const char *args;  // extra arguments for check
    const char *runs;  // the coverage-guided budget its verdict test needs: "0", a number, or "default"
    bool strict_only;  // a long run whose kmcl verdict is the strict one: tested under strict only
};

inline const std::vector<SampleSpec> &Samples() {
    static const std::vector<SampleSpec> samples = {
#include "sample_manifest.inc"
    };
    return samples;
}

inline const SampleSpec *FindSample(const std::string &name) {
    for (const auto &s : Samples())
        if (name == s.name) return &s;
    return nullptr;
}

// The path of a sample module of the manifest (a test failure if there is none).
inline std::string SamplePath(const std::string &name) {
    const SampleSpec *s = FindSample(name);
    if (!s) {
        ADD_FAILURE() << "sample " << name << " is not in the manifest";
        return "/nonexistent/" + name;
    }
    return s->path;
}

inline std::vector<std::string> Lines(const std::string &text) {
    std::vector<std::string> out;
    std::string line;
    for (char c : text) {
        if (c == '\n') {
            out.push_back(line);
            line.clear();
        } else {
            line += c;
        }
    }
    if (!line.empty()) out.push_back(line);
    return out;
}

inline std::vector<std::string> Words(const std::string &s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// "pass" is the empty set.
inline std::set<std::string> RuleSet(const std::string &expectation) {
    std::set<std::string> out;
    for (auto &w : Words(expectation))
        if (w != "pass") out.insert(w);
    return out;
}

inline std::string Join(const std::set<std::string> &s) {
    std::string out;
    for (const auto &x : s) out += (out.empty() ? "" : " ") + x;
    return out.empty() ? "(none)" : out;
}

inline std::string ReadFile(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The case in a case file: past the header vspconform writes on its reproducers and artifacts
// ("VSPCONFORM-CASE 1", a JSON line), or the whole file for a bare case.
inline std::string CaseBytes(const fs::path &p) {
    std::string text = ReadFile(p);
    if (text.rfind("VSPCONFORM-CASE 1\n", 0) != 0) return text;
    size_t second = text.find('\n', text.find('\n') + 1);
    return second == std::string::npos ? std::string() : text.substr(second + 1);
}

inline nlohmann::json ReadJson(const fs::path &p) {
    std::string text = ReadFile(p);
    return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// A fresh directory under the test temp dir; removed by the destructor unless
// the test failed (so the reports of a failure can be inspected).
class ScratchDir {
public:
    explicit ScratchDir(const std::string &tag) {
        std::string base = ::testing::TempDir();
        if (base.empty()) base = "/tmp/";
        std::string tmpl = base + "vspc-" + tag + "-XXXXXX";
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (mkdtemp(buf.data()) == nullptr) {
            ADD_FAILURE() << "mkdtemp(" << tmpl << "): " << std::strerror(errno);
            path_ = tmpl;
        } else {
            path_ = buf.data();
        }
    }
    ~ScratchDir() {
        std::error_code ec;
        if (::testing::Test::HasFailure())
            std::fprintf(stderr, "note: keeping %s for inspection\n", path_.c_str());
        else
            fs::remove_all(path_, ec);
    }
    const fs::path &path() const { return path_; }
    fs::path operator/(const std::string &s) const { return path_ / s; }

private:
    fs::path path_;
};

struct ProcResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    bool timed_out = false;
    std::string out, err;

    std::string Describe() const {
        std::ostringstream s;
        s << "exit " << exit_code;
        if (signal) s << " (signal " << signal << ")";
        if (timed_out) s << " (killed: timed out)";
        s << "\n--- stdout ---\n" << out << "--- stderr ---\n" << err << "---";
        return s.str();
    }
};

// Runs argv[0] with argv, stdout and stderr captured in files under `scratch`.
// A safety net kills the child after `limit` (a hung tester must not hang the
// suite); that is not a timing assertion, ctest's own timeout backs it.
inline ProcResult RunProc(const std::vector<std::string> &argv, const fs::path &scratch,
                          std::chrono::seconds limit = std::chrono::seconds(240)) {
    ProcResult r;
    static int counter = 0;
    ++counter;
    fs::path out_path = scratch / ("proc" + std::to_string(counter) + ".out");
    fs::path err_path = scratch / ("proc" + std::to_string(counter) + ".err");
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) {
        ADD_FAILURE() << "fork: " << std::strerror(errno);
        return r;
    }
    if (pid == 0) {
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || in < 0) _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execvp(args[0], args.data());  // a bare name is looked up on PATH
        _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) {
            ADD_FAILURE() << "waitpid: " << std::strerror(errno);
            return r;
        }
        if (std::chrono::steady_clock::now() > deadline && !r.timed_out) {
            r.timed_out = true;
            kill(pid, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = ReadFile(out_path);
    r.err = ReadFile(err_path);
    std::error_code ec;
    fs::remove(out_path, ec);
    fs::remove(err_path, ec);
    return r;
}

// Every report of a report dir against its schema: report.json (docs/), results.sarif (SARIF
// 2.1.0) and junit.xml (Jenkins' JUnit XSD), the schemas vendored in tests/schemas/.
inline void ExpectReportsValid(const fs::path &report_dir, const fs::path &scratch) {
    const std::string src = VSPC_SOURCE_DIR;
    ProcResult valid =
        RunProc({src + "/tests/validate_json.py", src + "/docs/report.schema.json",
                 (report_dir / "report.json").string(), "--", src + "/tests/schemas/sarif-schema-2.1.0.json",
                 (report_dir / "results.sarif").string()},
                scratch);
    EXPECT_EQ(valid.exit_code, 0) << valid.Describe();
    ProcResult junit = RunProc({"xmllint", "--noout", "--schema", src + "/tests/schemas/jenkins-xunit-junit-10.xsd",
                                (report_dir / "junit.xml").string()},
                               scratch);
    EXPECT_EQ(junit.exit_code, 0) << junit.Describe();
}

inline std::vector<std::string> Cmd(std::initializer_list<std::string> words,
                                    const std::vector<std::string> &more = {}) {
    std::vector<std::string> v{VSPCONFORM_BIN};
    v.insert(v.end(), words.begin(), words.end());
    v.insert(v.end(), more.begin(), more.end());
    return v;
}

// The rule ids of report.json's violations (errors) and warnings.
inline std::set<std::string> RulesIn(const nlohmann::json &list) {
    std::set<std::string> out;
    if (list.is_array())
        for (const auto &v : list) out.insert(v.value("rule", "?"));
    return out;
}

inline std::set<std::string> RulesWithOutcome(const nlohmann::json &report, const std::string &outcome) {
    std::set<std::string> out;
    if (report.contains("rules") && report["rules"].is_array())
        for (const auto &r : report["rules"])
            if (r.value("outcome", "") == outcome) out.insert(r.value("id", "?"));
    return out;
}

}  // namespace vspc_test
