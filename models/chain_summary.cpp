#include "chain_summary.h"

#include "chain_phrasing.h"
#include "security_relevance.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace provscope {

namespace {

enum class Verb { Net, Write, Read, Exec, Unlink, Open, Fork, Rename };

// One thing a process did to one object, possibly over several edges.
struct Phrase {
    int clause = 0;
    Verb verb = Verb::Read;
    int object = -1;
    int interpreter = -1; // Exec of a #! script: the image that ran it
    bool connected = false, accepted = false;
    uint64_t sent = 0, received = 0, bytes = 0;
    std::vector<int> edges;
};

class Summarizer {
public:
    explicit Summarizer(const ProvenanceGraph &view)
        : m_view(view), m_inFlow(static_cast<size_t>(view.nodeCount()), 0)
    {
        for (int e = 0; e < view.edgeCount(); ++e) {
            const GraphEdge &edge = view.edge(e);
            if (isFlowEdge(edge.type) && edge.type != EdgeType::Version) {
                m_inFlow[static_cast<size_t>(edge.from)] = 1;
                m_inFlow[static_cast<size_t>(edge.to)] = 1;
            }
        }
        m_actor.resize(static_cast<size_t>(view.edgeCount()));
        for (int e = 0; e < view.edgeCount(); ++e)
            m_actor[static_cast<size_t>(e)] = findActor(e);
        // Scripts run through #!: told as the script, its read by the interpreter not at all.
        m_scriptRead.assign(static_cast<size_t>(view.edgeCount()), 0);
        m_script.assign(static_cast<size_t>(view.nodeCount()), -1);
        for (int node = 0; node < view.nodeCount(); ++node) {
            if (view.node(node).kind != NodeKind::Process)
                continue;
            const ScriptRead script = findScriptRead(view, node);
            if (script.file >= 0) {
                m_script[static_cast<size_t>(node)] = script.file;
                m_scriptRead[static_cast<size_t>(script.edge)] = 1;
            }
        }
    }

    // The edges of each step: runs of one process instance in time order. The
    // other end of a conversation on a socket the current run uses (a loopback
    // server answering its client) does not cut the run: its edges, and what
    // it does meanwhile, gather in a run of their own, told after, until a
    // third process comes in. Steps are ordered by their first edge.
    std::vector<std::vector<int>> runs() const
    {
        std::vector<int> order;
        for (int e = 0; e < m_view.edgeCount(); ++e) {
            if (isStep(e))
                order.push_back(e);
        }
        auto earlier = [&](int a, int b) {
            const GraphEdge &x = m_view.edge(a), &y = m_view.edge(b);
            return std::tie(x.tsNs, x.teNs) < std::tie(y.tsNs, y.teNs);
        };
        std::stable_sort(order.begin(), order.end(), earlier);
        std::vector<std::vector<int>> result, peers;
        std::vector<int> current, sockets;
        auto same = [&](int e, const std::vector<int> &run) {
            const int a = actorOf(e), b = actorOf(run.front());
            return a >= 0 && b >= 0 && sameInstance(a, b);
        };
        auto use = [&](int e) {
            if (const int sock = socketOf(e); sock >= 0 && std::find(sockets.begin(), sockets.end(), sock) == sockets.end())
                sockets.push_back(sock);
        };
        for (const int e : order) {
            if (!current.empty() && same(e, current)) {
                current.push_back(e);
                use(e);
                continue;
            }
            // The other end of the current run's socket, and what it does
            // meanwhile, gathers aside until a third process comes in.
            const int sock = socketOf(e);
            auto peer = std::find_if(peers.begin(), peers.end(), [&](const auto &run) { return same(e, run); });
            if (peer != peers.end()) {
                peer->push_back(e);
                continue;
            }
            if (!current.empty() && actorOf(e) >= 0 && sock >= 0
                && std::find(sockets.begin(), sockets.end(), sock) != sockets.end()) {
                peers.push_back({e});
                continue;
            }
            std::vector<int> next{e};
            if (!current.empty())
                result.push_back(std::move(current));
            for (auto &run : peers)
                result.push_back(std::move(run));
            peers.clear();
            sockets.clear();
            current = std::move(next);
            for (const int edge : current)
                use(edge);
        }
        if (!current.empty())
            result.push_back(std::move(current));
        for (auto &run : peers)
            result.push_back(std::move(run));
        std::stable_sort(result.begin(), result.end(),
                         [&](const auto &a, const auto &b) { return earlier(a.front(), b.front()); });
        return result;
    }

private:
    // The socket (inet, or a Unix socket named socket:[ino]) edge e moves data on, or -1.
    int socketOf(int e) const
    {
        const GraphEdge &edge = m_view.edge(e);
        const int object = isProcess(edge.from) ? edge.to : edge.from;
        return object >= 0 && !isProcess(object) && isSocket(object) ? object : -1;
    }

    bool isProcess(int node) const { return node >= 0 && m_view.node(node).kind == NodeKind::Process; }
    // Inet sockets, and Unix sockets the session names by path ("socket:[ino]").
    bool isSocket(int node) const
    {
        const GraphNode &n = m_view.node(node);
        return n.kind == NodeKind::Socket || n.path.rfind("socket:", 0) == 0;
    }

    int actorOf(int e) const { return m_actor[static_cast<size_t>(e)]; }

    // The process version that did what edge e records (-1: none, e.g. a rename).
    int findActor(int e) const
    {
        const GraphEdge &edge = m_view.edge(e);
        switch (edge.type) {
        case EdgeType::Write:
        case EdgeType::Send:
        case EdgeType::Connect:
        case EdgeType::Open:
        case EdgeType::Unlink:
        case EdgeType::Renamed:
        case EdgeType::Fork: return isProcess(edge.from) ? edge.from : -1;
        case EdgeType::Read:
        case EdgeType::Recv:
        case EdgeType::Accept: return isProcess(edge.to) ? edge.to : -1;
        case EdgeType::Exec:
            // The image before the exec made the call; the new version is its result.
            for (const int in : m_view.inEdges(edge.to)) {
                if (m_view.edge(in).type == EdgeType::Version && isProcess(m_view.edge(in).from))
                    return m_view.edge(in).from;
            }
            return isProcess(edge.to) ? edge.to : -1;
        case EdgeType::Rename:
        case EdgeType::Version: return -1;
        }
        return -1;
    }

    bool sameInstance(int a, int b) const
    {
        const GraphNode &x = m_view.node(a), &y = m_view.node(b);
        return x.pid == y.pid && x.startNs == y.startNs;
    }

    bool hasDataEdge(int process, int file) const
    {
        for (const int e : m_view.outEdges(process)) {
            if (m_view.edge(e).to == file && m_view.edge(e).type == EdgeType::Write)
                return true;
        }
        for (const int e : m_view.inEdges(process)) {
            if (m_view.edge(e).from == file && m_view.edge(e).type == EdgeType::Read)
                return true;
        }
        return false;
    }

    bool isStep(int e) const
    {
        const GraphEdge &edge = m_view.edge(e);
        // Group nodes stand for what the noise filter judged noise.
        if (m_view.node(edge.from).collapsed > 0 || m_view.node(edge.to).collapsed > 0)
            return false;
        if (m_scriptRead[static_cast<size_t>(e)])
            return false; // told with the exec: "executed SCRIPT with INTERPRETER"
        switch (edge.type) {
        case EdgeType::Version: return false;
        case EdgeType::Rename:
        case EdgeType::Renamed: return true;
        // Deleting a file the chain moved data through covers a track.
        case EdgeType::Unlink: return isProcess(edge.from) && m_inFlow[static_cast<size_t>(edge.to)];
        // Opening a secret without reading it still shows interest in it.
        case EdgeType::Open:
            return isProcess(edge.from) && (m_view.node(edge.to).flags & (kFlagCredential | kFlagSshKey))
                && !hasDataEdge(edge.from, edge.to);
        default: return actorOf(e) >= 0;
        }
    }

    std::vector<std::string> render(const std::vector<Phrase> &phrases, size_t from, size_t to,
                                    const Phrase *&previous) const
    {
        std::vector<std::string> items;
        for (size_t i = from; i < to; ++i) {
            const Phrase &p = phrases[i];
            const std::string name = objectName(m_view.node(p.object));
            switch (p.verb) {
            case Verb::Net: {
                const size_t before = items.size();
                if (p.accepted)
                    items.push_back("accepted a connection from " + name);
                // A download comes over the network; a Unix socket's data is "received".
                if (p.connected && !p.accepted && p.received > 0 && p.received >= p.sent
                    && !m_view.node(p.object).raddr.empty()) {
                    items.push_back("downloaded " + humanBytes(p.received) + " from " + name);
                    break;
                }
                // A server hears first, a client speaks first.
                const std::string sent = "sent " + humanBytes(p.sent) + " to " + name;
                const std::string received = "received " + humanBytes(p.received) + (p.accepted ? "" : " from " + name);
                if (p.accepted && p.received > 0)
                    items.push_back(received);
                if (p.sent > 0)
                    items.push_back(sent);
                if (!p.accepted && p.received > 0)
                    items.push_back(received);
                if (p.connected && p.sent == 0 && p.received == 0)
                    items.push_back("connected to " + name);
                if (items.size() == before) { // only empty reads or writes (an end of stream)
                    const bool in = std::any_of(p.edges.begin(), p.edges.end(),
                                                [&](int e) { return m_view.edge(e).to != p.object; });
                    items.push_back(in ? "received nothing from " + name : "sent nothing to " + name);
                }
                break;
            }
            case Verb::Write:
                if (m_view.node(p.object).kind == NodeKind::File)
                    items.push_back("wrote " + name + (p.bytes > 0 ? " (" + humanBytes(p.bytes) + ")" : ""));
                else
                    items.push_back("wrote " + (p.bytes > 0 ? humanBytes(p.bytes) + " " : "") + "to " + name);
                break;
            case Verb::Read:
                items.push_back(m_view.node(p.object).kind == NodeKind::File ? "read " + name : "read from " + name);
                break;
            case Verb::Exec:
                // "it" only when the sentence has just named the file.
                if (previous && previous->object == p.object && previous->verb == Verb::Write)
                    items.push_back("executed it");
                else
                    items.push_back("executed " + name + interpreterNote(p.interpreter));
                break;
            case Verb::Unlink: items.push_back("deleted " + name); break;
            case Verb::Open: items.push_back("opened " + name); break;
            case Verb::Rename: {
                const GraphNode &file = m_view.node(p.object);
                items.push_back(file.paths.size() >= 2 ? "renamed " + file.paths.front() + " to " + file.paths.back()
                                                       : "renamed " + name);
                break;
            }
            case Verb::Fork: items.push_back("started " + name); break;
            }
            previous = &p;
        }
        return items;
    }

    // The name a forked child is known by: its latest version in the view.
    int latestVersion(int process) const
    {
        for (int depth = 0; depth < 64; ++depth) {
            int next = -1;
            for (const int e : m_view.outEdges(process)) {
                if (m_view.edge(e).type == EdgeType::Version)
                    next = m_view.edge(e).to;
            }
            if (next < 0)
                break;
            process = next;
        }
        return process;
    }

    // The phrases of a run in first-appearance order; clauses counts the images
    // the instance went through (a new clause after each exec).
    std::vector<Phrase> phrasesOf(const std::vector<int> &run, int &clauses) const
    {
        std::vector<Phrase> phrases;
        std::map<std::tuple<int, Verb, int>, size_t> byKey;
        int clause = 0, version = actorOf(run.front());
        for (const int e : run) {
            const GraphEdge &edge = m_view.edge(e);
            const int actor = actorOf(e);
            if (actor != version) { // after an exec the new image goes on: "; it ..."
                ++clause;
                version = actor;
            }
            Verb verb = Verb::Read;
            int object = -1;
            switch (edge.type) {
            case EdgeType::Connect:
            case EdgeType::Send: verb = Verb::Net; object = edge.to; break;
            case EdgeType::Recv:
            case EdgeType::Accept: verb = Verb::Net; object = edge.from; break;
            case EdgeType::Write: object = edge.to; verb = isSocket(object) ? Verb::Net : Verb::Write; break;
            case EdgeType::Exec: verb = Verb::Exec; object = edge.from; break;
            case EdgeType::Read:
                if (m_scriptRead[static_cast<size_t>(e)])
                    continue; // the interpreter reading its script: part of the exec
                object = edge.from;
                verb = isSocket(object) ? Verb::Net : Verb::Read;
                break;
            case EdgeType::Unlink: verb = Verb::Unlink; object = edge.to; break;
            case EdgeType::Open: verb = Verb::Open; object = edge.to; break;
            case EdgeType::Renamed: verb = Verb::Rename; object = edge.to; break;
            case EdgeType::Fork: verb = Verb::Fork; object = latestVersion(edge.to); break;
            default: continue;
            }
            // Each exec is its own phrase; other phrases gather per object.
            const auto key = std::make_tuple(clause, verb, verb == Verb::Exec ? -1 - e : object);
            auto [it, inserted] = byKey.emplace(key, phrases.size());
            if (inserted) {
                Phrase phrase;
                phrase.clause = clause;
                phrase.verb = verb;
                phrase.object = object;
                if (verb == Verb::Exec && m_script[static_cast<size_t>(edge.to)] >= 0) {
                    phrase.object = m_script[static_cast<size_t>(edge.to)];
                    phrase.interpreter = edge.from;
                }
                phrases.push_back(phrase);
            }
            Phrase &phrase = phrases[it->second];
            phrase.edges.push_back(e);
            phrase.bytes += edge.bytes;
            if (edge.type == EdgeType::Connect)
                phrase.connected = true;
            if (edge.type == EdgeType::Accept)
                phrase.accepted = true;
            if (edge.type == EdgeType::Send || edge.type == EdgeType::Write)
                phrase.sent += edge.bytes;
            if (edge.type == EdgeType::Recv || edge.type == EdgeType::Read)
                phrase.received += edge.bytes;
        }
        clauses = clause + 1;
        return phrases;
    }

    // Rendered items per clause.
    std::vector<std::vector<std::string>> clauseItems(const std::vector<int> &run) const
    {
        int clauses = 0;
        const std::vector<Phrase> phrases = phrasesOf(run, clauses);
        std::vector<std::vector<std::string>> items(static_cast<size_t>(clauses));
        const Phrase *previous = nullptr;
        size_t begin = 0;
        for (int c = 0; c < clauses; ++c) {
            size_t end = begin;
            while (end < phrases.size() && phrases[end].clause == c)
                ++end;
            items[static_cast<size_t>(c)] = render(phrases, begin, end, previous);
            begin = end;
        }
        return items;
    }

    static std::string compose(const std::string &subject, const std::vector<std::vector<std::string>> &clauses)
    {
        std::string text = subject;
        bool first = true;
        for (const auto &items : clauses) {
            if (items.empty())
                continue;
            text += (first ? " " : "; it ") + joinList(items);
            first = false;
        }
        return text;
    }

public:
    // A step: one run, or a run ending in a fork and the child's run that
    // starts with its exec ("ran /usr/bin/curl (pid 415), which ...").
    // Or a line of forks, each child forking the next ("A started B, which
    // started C"): run is the first fork, forks the rest.
    struct Plan {
        std::vector<int> run, child, forks;
    };

    std::vector<Plan> plans() const
    {
        const auto all = runs();
        std::vector<Plan> plans;
        for (size_t i = 0; i < all.size(); ++i) {
            Plan plan{all[i], {}, {}};
            while (i + 1 < all.size() && isLoneFork(all[i]) && isLoneFork(all[i + 1])
                   && sameInstance(actorOf(all[i + 1].front()), m_view.edge(all[i].back()).to))
                plan.forks.push_back(all[++i].front());
            if (plan.forks.empty() && i + 1 < all.size() && childStartsWithExec(all[i], all[i + 1]))
                plan.child = all[++i];
            plans.push_back(std::move(plan));
        }
        return plans;
    }

    ChainStep sentence(const Plan &plan) const
    {
        ChainStep step;
        const std::vector<int> &run = plan.run;
        step.tsNs = m_view.edge(run.front()).tsNs;
        step.edges = run;
        step.edges.insert(step.edges.end(), plan.child.begin(), plan.child.end());
        const int first = actorOf(run.front());
        if (first < 0) { // a rename: no process on the edge
            const GraphEdge &edge = m_view.edge(run.front());
            step.text = objectName(m_view.node(edge.from)) + " was renamed to " + objectName(m_view.node(edge.to)) + ".";
            return step;
        }
        if (!plan.forks.empty()) {
            std::string text = processName(m_view.node(first)) + " started "
                + objectName(m_view.node(latestVersion(m_view.edge(run.front()).to)));
            for (const int fork : plan.forks) {
                text += ", which started " + objectName(m_view.node(latestVersion(m_view.edge(fork).to)));
                step.edges.push_back(fork);
            }
            step.text = text + ".";
            return step;
        }
        auto clauses = clauseItems(run);
        if (!plan.child.empty()) {
            // The fork is told as what the child ran, and what it did after.
            clauses.back().pop_back();
            const GraphEdge &exec = m_view.edge(plan.child.front());
            const int script = m_script[static_cast<size_t>(exec.to)];
            std::string ran = "ran " + objectName(m_view.node(script >= 0 ? script : exec.from)) + " (pid "
                + std::to_string(m_view.node(exec.to).pid) + ")" + interpreterNote(script >= 0 ? exec.from : -1);
            auto childClauses = clauseItems(plan.child);
            if (childClauses.size() > 1 && !childClauses[1].empty())
                ran += ", which " + joinList(childClauses[1]);
            for (size_t c = 2; c < childClauses.size(); ++c) {
                if (!childClauses[c].empty())
                    ran += "; it " + joinList(childClauses[c]);
            }
            clauses.back().push_back(ran);
        }
        if (plan.child.empty() && toldChildExec(run) && clauses.size() > 1
            && std::any_of(clauses.begin() + 1, clauses.end(), [](const auto &items) { return !items.empty(); })) {
            // "started tar (pid 418)" was said: the child goes on as tar.
            clauses.erase(clauses.begin());
            step.text = compose(processName(m_view.node(m_view.edge(run.front()).to)), clauses) + ".";
            return step;
        }
        step.text = compose(processName(m_view.node(first)), clauses) + ".";
        return step;
    }

private:
    // run starts with the only step of a forked child's first image, its exec
    // of an ordinary program, and the fork is a step of its own ("started
    // tar (pid 418)"): the exec need not be told again.
    bool toldChildExec(const std::vector<int> &run) const
    {
        const GraphEdge &exec = m_view.edge(run.front());
        const int first = actorOf(run.front());
        if (exec.type != EdgeType::Exec || first < 0 || first == exec.to || m_script[static_cast<size_t>(exec.to)] >= 0
            || m_view.node(exec.from).flags != 0)
            return false;
        if (std::count_if(run.begin(), run.end(), [&](int e) { return actorOf(e) == first; }) != 1)
            return false;
        for (const int in : m_view.inEdges(first)) {
            if (m_view.edge(in).type == EdgeType::Fork && isStep(in))
                return true;
        }
        return false;
    }

    bool isLoneFork(const std::vector<int> &run) const
    {
        return run.size() == 1 && m_view.edge(run.front()).type == EdgeType::Fork && actorOf(run.front()) >= 0;
    }

    // parent ends with forking the process whose run is child, and child's
    // first image did nothing in the view but exec.
    bool childStartsWithExec(const std::vector<int> &parent, const std::vector<int> &child) const
    {
        const GraphEdge &fork = m_view.edge(parent.back());
        if (fork.type != EdgeType::Fork || actorOf(parent.front()) < 0)
            return false;
        const GraphEdge &exec = m_view.edge(child.front());
        if (exec.type != EdgeType::Exec || actorOf(child.front()) != fork.to)
            return false;
        return std::count_if(child.begin(), child.end(), [&](int e) { return actorOf(e) == fork.to; }) == 1;
    }

    std::string interpreterNote(int interpreter) const
    {
        return interpreter < 0 ? std::string() : " with " + objectName(m_view.node(interpreter));
    }

private:
    const ProvenanceGraph &m_view;
    std::vector<char> m_inFlow; // per node: some flow edge touches it
    std::vector<int> m_actor; // per edge: actorOf()
    std::vector<int> m_script; // per process version: the #! script it runs, or -1
    std::vector<char> m_scriptRead; // per edge: the read of such a script
};

} // namespace

std::vector<ChainStep> chainSteps(const ProvenanceGraph &view, int maxSteps)
{
    const Summarizer summarizer(view);
    const auto plans = summarizer.plans();
    maxSteps = std::max(maxSteps, 1);
    std::vector<char> shown(plans.size(), 1);
    if (static_cast<int>(plans.size()) > maxSteps) {
        // Too many: the steps that touch the point of interest or a
        // security-relevant node first, then the earliest of the others.
        auto edgesOf = [](const Summarizer::Plan &plan) {
            std::vector<int> edges = plan.run;
            edges.insert(edges.end(), plan.child.begin(), plan.child.end());
            edges.insert(edges.end(), plan.forks.begin(), plan.forks.end());
            return edges;
        };
        auto matters = [&](const Summarizer::Plan &plan) {
            for (const int e : edgesOf(plan)) {
                const GraphNode &from = view.node(view.edge(e).from), &to = view.node(view.edge(e).to);
                if (from.isPoi || to.isPoi || from.flags != 0 || to.flags != 0)
                    return true;
            }
            return false;
        };
        std::fill(shown.begin(), shown.end(), 0);
        size_t budget = static_cast<size_t>(maxSteps - 1);
        for (int pass = 0; pass < 2 && budget > 0; ++pass) {
            for (size_t i = 0; i < plans.size() && budget > 0; ++i) {
                if (!shown[i] && (pass == 1 || matters(plans[i]))) {
                    shown[i] = 1;
                    --budget;
                }
            }
        }
        std::vector<ChainStep> steps;
        ChainStep more;
        size_t hidden = 0;
        for (size_t i = 0; i < plans.size(); ++i) {
            if (shown[i]) {
                steps.push_back(summarizer.sentence(plans[i]));
                continue;
            }
            if (hidden++ == 0)
                more.tsNs = view.edge(plans[i].run.front()).tsNs;
            const auto edges = edgesOf(plans[i]);
            more.edges.insert(more.edges.end(), edges.begin(), edges.end());
        }
        more.text = std::to_string(hidden) + (hidden == 1 ? " more step" : " more steps") + " not shown.";
        if (!steps.empty()) // last, so no earlier than the last shown: the list stays in time order
            more.tsNs = std::max(more.tsNs, steps.back().tsNs);
        steps.push_back(std::move(more));
        return steps;
    }
    std::vector<ChainStep> steps;
    steps.reserve(plans.size());
    for (const auto &plan : plans)
        steps.push_back(summarizer.sentence(plan));
    return steps;
}

std::string summarizeChain(const ProvenanceGraph &view, int maxSteps)
{
    const auto steps = chainSteps(view, maxSteps);
    if (steps.empty()) {
        const std::string poi = view.poi() >= 0 ? objectName(view.node(view.poi())) : "the point of interest";
        return "No activity reaches " + poi + ".";
    }
    std::string text;
    for (const auto &step : steps)
        text += (text.empty() ? "" : " ") + step.text;
    return text;
}

} // namespace provscope
