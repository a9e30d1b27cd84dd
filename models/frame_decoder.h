#pragma once
// Reassembles wire frames from a byte stream that arrives in arbitrary pieces.
// A truncated frame waits for more bytes; an oversized, garbage or unknown-version
// frame is an error (sticky: the connection must be closed).
#include "wire_protocol.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace provscope::wire {

class FrameDecoder {
public:
    // Appends bytes read from the socket.
    void feed(const uint8_t *data, size_t size);

    // The next complete message; std::nullopt when more bytes are needed;
    // an Error (with a reason) when the stream is broken. After an error every
    // further call returns the same error.
    Result<std::optional<Message>> next();

    bool failed() const { return !m_error.empty(); }
    size_t bufferedBytes() const { return m_buffer.size() - m_readPos; }

private:
    std::vector<uint8_t> m_buffer;
    size_t m_readPos = 0;
    std::string m_error;
};

} // namespace provscope::wire
