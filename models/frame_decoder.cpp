#include "frame_decoder.h"

namespace provscope::wire {

void FrameDecoder::feed(const uint8_t *data, size_t size)
{
    if (failed() || size == 0)
        return;
    // Compact once the consumed prefix dominates, so the buffer does not grow forever.
    if (m_readPos > 0 && m_readPos >= m_buffer.size() / 2) {
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + static_cast<std::ptrdiff_t>(m_readPos));
        m_readPos = 0;
    }
    m_buffer.insert(m_buffer.end(), data, data + size);
}

Result<std::optional<Message>> FrameDecoder::next()
{
    if (failed())
        return makeError(m_error);
    const size_t available = bufferedBytes();
    if (available < kHeaderBytes)
        return std::optional<Message>();
    // The header is validated (magic, type, version, size cap) before waiting for or
    // allocating the payload, so a forged length is refused at once.
    auto header = decodeHeader(m_buffer.data() + m_readPos, kHeaderBytes);
    if (!header) {
        m_error = header.error();
        return makeError(m_error);
    }
    if (available - kHeaderBytes < header->payloadBytes)
        return std::optional<Message>();
    const uint8_t *payload = m_buffer.data() + m_readPos + kHeaderBytes;
    auto message = decodePayload(*header, payload, header->payloadBytes);
    if (!message) {
        m_error = message.error();
        return makeError(m_error);
    }
    m_readPos += kHeaderBytes + header->payloadBytes;
    if (m_readPos == m_buffer.size()) {
        m_buffer.clear();
        m_readPos = 0;
    }
    return std::optional<Message>(std::move(message).value());
}

} // namespace provscope::wire
