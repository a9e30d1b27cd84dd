#pragma once
// A stand-in for provscope-capture --serve on one end of a socketpair: speaks the
// real wire protocol (Hello/HelloAck, Start/Started, Batch..., Stop/Goodbye).
#include "wire_protocol.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace provscope::test {

class FakeHelper {
public:
    // batches are sent right after Started.
    FakeHelper(SessionMeta meta, std::vector<CaptureBatch> batches)
        : m_meta(std::move(meta)), m_batches(std::move(batches)) {}
    ~FakeHelper()
    {
        if (m_fd >= 0)
            ::shutdown(m_fd, SHUT_RDWR);
        if (m_thread.joinable())
            m_thread.join();
        if (m_fd >= 0)
            ::close(m_fd);
    }

    // Returns the client's end; serves the other end on a thread.
    int start()
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
            return -1;
        m_fd = fds[1];
        m_thread = std::thread([this] { serve(); });
        return fds[0];
    }

    std::string error() const { return m_error; } // read after the thread ended
    bool sawStop() const { return m_sawStop; }

private:
    bool readAll(uint8_t *data, size_t size)
    {
        while (size > 0) {
            const ssize_t n = ::read(m_fd, data, size);
            if (n <= 0)
                return false;
            data += n;
            size -= size_t(n);
        }
        return true;
    }

    bool send(const wire::Message &message)
    {
        auto frame = wire::encodeFrame(message);
        if (!frame)
            return fail(frame.error());
        const auto &bytes = frame.value();
        size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::write(m_fd, bytes.data() + done, bytes.size() - done);
            if (n <= 0)
                return fail("write failed");
            done += size_t(n);
        }
        return true;
    }

    bool receive(wire::Message &message)
    {
        uint8_t header[wire::kHeaderBytes];
        if (!readAll(header, sizeof header))
            return fail("connection closed");
        auto decoded = wire::decodeHeader(header, sizeof header);
        if (!decoded)
            return fail(decoded.error());
        std::vector<uint8_t> payload(decoded->payloadBytes);
        if (!readAll(payload.data(), payload.size()))
            return fail("short payload");
        auto parsed = wire::decodePayload(decoded.value(), payload.data(), payload.size());
        if (!parsed)
            return fail(parsed.error());
        message = std::move(parsed.value());
        return true;
    }

    bool fail(const std::string &why)
    {
        if (m_error.empty())
            m_error = why;
        return false;
    }

    void serve()
    {
        wire::Message message;
        if (!receive(message) || !std::holds_alternative<wire::Hello>(message))
            return void(fail("expected Hello"));
        wire::HelloAck ack;
        ack.serverPid = uint32_t(::getpid());
        ack.meta = m_meta;
        if (!send(ack))
            return;
        if (!receive(message) || !std::holds_alternative<wire::Start>(message))
            return void(fail("expected Start"));
        if (!send(wire::Started{m_meta}))
            return;
        CaptureStats stats;
        for (CaptureBatch &batch : m_batches) {
            stats.eventsReceived += batch.events.size();
            if (!send(wire::Batch{batch}))
                return;
        }
        if (!send(wire::Stats{stats}))
            return;
        if (!receive(message) || !std::holds_alternative<wire::Stop>(message))
            return void(fail("expected Stop"));
        m_sawStop = true;
        wire::Goodbye goodbye;
        goodbye.stats = stats;
        goodbye.reason = "stopped by client";
        send(goodbye);
    }

    SessionMeta m_meta;
    std::vector<CaptureBatch> m_batches;
    int m_fd = -1;
    std::thread m_thread;
    std::string m_error;
    std::atomic<bool> m_sawStop{false};
};

} // namespace provscope::test
