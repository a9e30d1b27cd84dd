#pragma once
// One EventQuery::matchingIds call's output: hands matching ids to the caller in
// chunks, reports progress at most every kProgressInterval, and remembers a cancel
// from either callback.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace provscope::planner {

inline constexpr auto kProgressInterval = std::chrono::milliseconds(50);

class IdRun {
public:
    IdRun(const std::function<bool(const std::vector<int64_t> &)> &onChunk,
          const std::function<bool(double)> &onProgress, size_t chunkSize)
        : m_onChunk(onChunk), m_onProgress(onProgress), m_chunkSize(chunkSize ? chunkSize : 1)
    {
        m_chunk.reserve(m_chunkSize);
        m_lastReport = std::chrono::steady_clock::now();
    }

    bool stopped() const { return m_stopped; }
    bool push(int64_t id)
    {
        m_chunk.push_back(id);
        return m_chunk.size() < m_chunkSize || flush();
    }
    bool flush()
    {
        if (m_stopped)
            return false;
        if (!m_onChunk(m_chunk))
            m_stopped = true;
        m_chunk.clear();
        return !m_stopped;
    }
    // The SQLite progress handler's heartbeat: the chunk so far (possibly empty), and
    // the progress when it is time.
    bool heartbeat()
    {
        if (!flush())
            return false;
        return progress(m_fraction);
    }
    bool progress(double fraction, bool force = false)
    {
        m_fraction = std::clamp(fraction, 0.0, 1.0);
        if (m_stopped)
            return false;
        if (!m_onProgress)
            return true;
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - m_lastReport < kProgressInterval)
            return true;
        m_lastReport = now;
        if (!m_onProgress(m_fraction))
            m_stopped = true;
        return !m_stopped;
    }
    // The last chunk, then 100%.
    void finish()
    {
        if (!m_chunk.empty())
            flush();
        if (!m_stopped)
            progress(1.0, true);
    }

private:
    const std::function<bool(const std::vector<int64_t> &)> &m_onChunk;
    const std::function<bool(double)> &m_onProgress;
    size_t m_chunkSize;
    std::vector<int64_t> m_chunk;
    bool m_stopped = false;
    double m_fraction = 0;
    std::chrono::steady_clock::time_point m_lastReport;
};

} // namespace provscope::planner
