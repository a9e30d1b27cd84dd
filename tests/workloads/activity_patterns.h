#pragma once
// provscope-activity: the patterns it cycles through. A pattern does one
// kind of thing a user or an attacker does (file I/O, a loopback exchange,
// reconnaissance, persistence, ...) inside the generator's private temp dir,
// on loopback or in a network namespace of its own, and says which processes,
// paths and ports it used so tests and demos can find them in a capture.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace activity {

struct Context {
    std::string dir;      // private temp dir, removed at exit
    std::string home;     // $HOME for every pattern: dir + "/home" (never the real one)
    std::string self;     // the generator's own binary (/proc/self/exe, resolved)
    std::mt19937_64 rng;  // seeded by --seed: same seed, same choices
    int round = 0;        // how many patterns ran before this one
};

struct Report {
    std::vector<int> pids;          // processes the pattern ran (the generator itself included)
    std::vector<std::string> paths; // files it touched
    std::vector<int> ports;         // loopback ports it used
    std::string note;               // e.g. why a netns step was skipped
};

struct Pattern {
    const char *category; // "normal" | "suspicious"
    const char *name;     // e.g. "file_io", "persistence"
    const char *what;     // one line for --list
    void (*run)(Context &, Report &);
};

const std::vector<Pattern> &normalPatterns();
const std::vector<Pattern> &suspiciousPatterns();

// The evasion pattern's child (a copy of the generator run as
// `COPY --evasion-child COPY`): renames itself to hiddenPathOf(COPY), chmods and unlinks it.
int runEvasionChild(const std::string &self);
std::string hiddenPathOf(const std::string &path); // "/d/name" -> "/d/.name"

} // namespace activity
