#include "headless_recorder.h"

#include "background_writer.h"
#include "jsonl_sink.h"
#include "kernel_capture.h"
#include "session_clock.h"
#include "session_meta_factory.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <utility>
#include <unistd.h>

namespace provscope {
namespace {

using Clock = std::chrono::steady_clock;

// A command started paused: it execs only once release() is called, so the
// capture sees it from its very first syscall.
class PausedCommand {
public:
    ~PausedCommand()
    {
        if (m_goFd >= 0)
            close(m_goFd);
    }

    Result<void> spawn(const std::vector<std::string> &command, const std::optional<TargetUser> &user)
    {
        int go[2];
        int status[2];
        if (pipe2(go, O_CLOEXEC) != 0 || pipe2(status, O_CLOEXEC) != 0)
            return makeError(std::string("pipe: ") + std::strerror(errno));
        m_pid = fork();
        if (m_pid < 0)
            return makeError(std::string("fork: ") + std::strerror(errno));
        if (m_pid == 0)
            runChild(command, user, go[0], status[1]);
        close(go[0]);
        close(status[1]);
        m_goFd = go[1];
        m_statusFd = status[0];
        return {};
    }

    // Lets the command run; returns why it could not start, if it could not.
    Result<void> release()
    {
        const char go = 'g';
        if (write(m_goFd, &go, 1) != 1)
            return makeError("the command's process vanished before it started");
        close(m_goFd);
        m_goFd = -1;
        char reason[512] = {};
        const ssize_t n = read(m_statusFd, reason, sizeof reason - 1); // EOF: exec succeeded
        close(m_statusFd);
        if (n > 0) {
            waitpid(m_pid, nullptr, 0);
            m_pid = -1;
            return makeError(reason);
        }
        return {};
    }

    // The shell-style exit status once the command has ended.
    std::optional<int> pollExit()
    {
        if (m_pid <= 0)
            return m_exitStatus;
        int status = 0;
        if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            m_pid = -1;
        }
        return m_exitStatus;
    }

    pid_t pid() const { return m_pid; }

    void terminate()
    {
        if (m_pid > 0)
            kill(m_pid, SIGTERM);
    }

private:
    [[noreturn]] static void runChild(const std::vector<std::string> &command, const std::optional<TargetUser> &user,
                                      int goFd, int statusFd)
    {
        auto failWith = [statusFd](const std::string &reason) {
            (void)!write(statusFd, reason.data(), reason.size());
            _exit(127);
        };
        char go = 0;
        if (read(goFd, &go, 1) != 1)
            _exit(127);
        if (user) {
            if (auto dropped = dropPrivilegesTo(*user); !dropped)
                failWith("cannot run the command as " + user->name + ": " + dropped.error());
        }
        std::vector<char *> argv;
        for (const std::string &arg : command)
            argv.push_back(const_cast<char *>(arg.c_str()));
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        failWith("cannot run " + command[0] + ": " + std::strerror(errno));
        _exit(127);
    }

    pid_t m_pid = -1;
    int m_goFd = -1;
    int m_statusFd = -1;
    std::optional<int> m_exitStatus;
};

// Runs its function at scope exit unless released: the early returns of a start that
// failed half-way stop what had started.
template <class F>
class ScopeExit {
public:
    explicit ScopeExit(F f) : m_f(std::move(f)) {}
    ~ScopeExit()
    {
        if (m_armed)
            m_f();
    }
    ScopeExit(const ScopeExit &) = delete;
    ScopeExit &operator=(const ScopeExit &) = delete;
    void release() { m_armed = false; }

private:
    F m_f;
    bool m_armed = true;
};

} // namespace

Result<HeadlessSummary> runHeadlessCapture(const HeadlessOptions &options, const std::atomic<bool> &stopRequested)
{
    // The network capture opens first: a bad filter or interface name is said before
    // the eBPF programs load. Its packets wait in the kernel until it starts.
    std::unique_ptr<PcapCapture> network;
    std::string pcapConfig = pcapDisabledConfigJson("--no-pcap");
    if (options.pcap && (!options.outputPath.empty() || !options.pcap->pcapngPath.empty())) {
        PcapCaptureOptions pcapOptions = *options.pcap;
        pcapOptions.fileOwner = options.user;
        auto opened = PcapCapture::open(pcapOptions);
        if (!opened)
            return makeError(opened.error());
        network = std::move(opened).value();
        pcapConfig = network->configJson();
    } else if (options.pcap) {
        pcapConfig = pcapDisabledConfigJson("no session file: flows are only stored in a session (-o) or --pcapng");
    }

    const uint64_t startNs = bootTimeNowNs();
    KernelCaptureOptions kernelOptions = options.kernel;
    kernelOptions.excludeTgid = uint32_t(getpid());
    // A command's capture is restricted to its process tree unless --system-wide.
    if (!options.command.empty() && !options.systemWide)
        kernelOptions.processTree = true;
    auto started = KernelCapture::start(kernelOptions);
    if (!started)
        return makeError(started.error());
    std::unique_ptr<KernelCapture> capture = std::move(started).value();

    // The command exists (paused) and is traced before the meta is written, so
    // the stored configuration names its tree.
    PausedCommand command;
    std::string commandError;
    if (!options.command.empty()) {
        if (auto spawned = command.spawn(options.command, options.user); !spawned)
            commandError = spawned.error();
        else if (kernelOptions.processTree) {
            if (auto traced = capture->traceProcessTree(uint32_t(command.pid())); !traced)
                commandError = traced.error();
        }
    }

    const SessionMeta meta = makeLiveSessionMeta(withPcapConfig(capture->configJson(), pcapConfig), startNs);
    std::unique_ptr<BackgroundWriter> writer;
    std::unique_ptr<JsonlSink> jsonl; // every batch also goes to the live BackTrack logs
    // Until everything has started: a failure stops what did, and leaves no --pcapng file.
    ScopeExit startFailed([&] {
        (void)capture->stop([](CaptureBatch &&) {});
        if (network)
            network->discard();
        if (writer)
            (void)writer->finish(bootTimeNowNs());
    });
    // Flow times are boot-clock ns with this session's offset. An existing --pcapng file
    // is refused here, before the session file is created; a session file refused after
    // it removes the new pcapng file again (startFailed).
    if (network) {
        if (auto started = network->start(meta.bootToEpochNs); !started)
            return makeError(started.error());
    }
    if (!options.outputPath.empty()) {
        BackgroundWriterOptions writerOptions;
        writerOptions.maxFileBytes = options.maxSizeBytes;
        writerOptions.maxQueueBytes = options.maxQueueBytes;
        auto writerStarted = BackgroundWriter::start(options.outputPath, meta, options.user, writerOptions);
        if (!writerStarted)
            return makeError(writerStarted.error());
        writer = std::move(writerStarted).value();
    }
    int64_t jsonlLost = 0;
    if (!options.jsonlDir.empty()) {
        auto sinkStarted = JsonlSink::start(options.jsonlDir, meta, options.user);
        if (!sinkStarted)
            return makeError(sinkStarted.error());
        jsonl = std::move(sinkStarted).value();
    }
    startFailed.release();
    const auto toWriter = [&writer, &jsonl, &jsonlLost](CaptureBatch &&batch) {
        if (jsonl) {
            for (const LossRecord &loss : batch.losses)
                jsonlLost += loss.source.rfind("pcap", 0) == 0 ? 0 : int64_t(loss.count); // packets, not events
            if (!writer)
                return jsonl->enqueue(std::move(batch));
            jsonl->enqueue(batch); // a copy: the session writer takes the batch itself
        }
        if (writer)
            writer->enqueue(std::move(batch));
    };

    if (!options.command.empty() && commandError.empty()) {
        if (auto released = command.release(); !released)
            commandError = released.error();
    }

    const auto networkToWriter = [&network, &toWriter] {
        CaptureBatch flows;
        network->drain(flows);
        if (!flows.empty())
            toWriter(std::move(flows));
    };

    const Clock::time_point begin = Clock::now();
    std::optional<Clock::time_point> drainUntil;
    std::string pollError;
    while (commandError.empty()) {
        if (auto polled = capture->poll(100, toWriter); !polled) {
            pollError = polled.error();
            break;
        }
        if (network)
            networkToWriter();
        const Clock::time_point now = Clock::now();
        if (stopRequested.load())
            break;
        if (writer && writer->shouldStop()) // --max-size reached, or the disk is full
            break;
        if (options.durationSeconds > 0 && now - begin >= std::chrono::duration<double>(options.durationSeconds))
            break;
        if (!options.command.empty() && !drainUntil && command.pollExit())
            drainUntil = now + std::chrono::milliseconds(300); // its last records may still be in flight
        if (drainUntil && now >= *drainUntil)
            break;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    command.terminate();

    const Result<void> stopped = capture->stop(toWriter);
    std::string networkProblem;
    if (network) {
        CaptureBatch last;
        if (auto networkStopped = network->stop(last); !networkStopped)
            networkProblem = networkStopped.error();
        if (!last.empty())
            toWriter(std::move(last));
    }
    auto written = writer ? writer->finish(bootTimeNowNs()) : Result<WriterSummary>(WriterSummary{});
    auto jsonlWritten = jsonl ? jsonl->finish() : Result<JsonlSummary>(JsonlSummary{});
    if (!commandError.empty())
        return makeError(commandError);
    if (!pollError.empty())
        return makeError("capture failed: " + pollError);
    if (!stopped)
        return makeError("stopping the capture: " + stopped.error());
    if (!written)
        return makeError(written.error());
    if (!jsonlWritten)
        return makeError(jsonlWritten.error());

    HeadlessSummary summary;
    summary.outputPath = options.outputPath;
    summary.events = written->events;
    summary.processes = written->processes;
    summary.lostEvents = written->lostEvents;
    summary.fileBytes = written->fileBytes;
    summary.sizeLimitReached = written->sizeLimitReached;
    summary.eventsAfterLimit = written->eventsAfterLimit;
    summary.diskFull = written->diskFull;
    summary.diskFullAtEpochNs = written->diskFullAtNs ? int64_t(written->diskFullAtNs) + meta.bootToEpochNs : 0;
    summary.eventsNotStored = written->eventsNotStored;
    summary.finishProblem = written->finishProblem;
    if (jsonl) {
        summary.jsonlRawPath = jsonlWritten->rawPath;
        summary.jsonlTrackerPath = jsonlWritten->trackerPath;
        summary.jsonlLines = jsonlWritten->rawLines;
        if (!writer) {
            summary.events = jsonlWritten->rawLines;
            summary.lostEvents = jsonlLost;
        }
    }
    summary.seconds = seconds;
    if (network) {
        summary.interfaces = network->interfaceNames();
        summary.network = network->stats();
        summary.networkProblem = networkProblem;
    }
    if (!options.command.empty()) {
        for (int i = 0; i < 50 && !command.pollExit(); ++i)
            usleep(20000);
        summary.commandExitStatus = command.pollExit();
    }
    return summary;
}

} // namespace provscope
