import Foundation

/// The vendor runtime's worker as a deterministic model driven by polls instead of a clock, so
/// that every race replays exactly: a queued task starts only after `dispatchPolls` polls (the
/// worker's pick-up delay; `gapPolls` after another task), the busy flag is set only while a task
/// runs, a reset keeps it busy for `resetPolls` polls, a generation pushes one chunk per poll into
/// the global text queue (think prefix first), `Run()` clears the stop flag when it starts, and a
/// stop is honoured at the next chunk. Not thread-safe: `FakeRuntime` calls it under its lock.
final class WorkerModel: @unchecked Sendable {
    struct Generation {
        var prompt: String
        var chunks: [String]
        var pushed = 0
        var stopped = false
    }

    private enum Task {
        case reset(String)
        case generate(String)
    }

    private enum Running {
        case reset(pollsLeft: Int)
        case generate(Generation)
    }

    var dispatchPolls = 3
    var gapPolls = 3
    var resetPolls = 2
    /// The reply body for a prompt, as chunks (the think prefix is added in front).
    var body: (String) -> [String] = { prompt in [" reply", " to", " \(prompt)."] }

    private var queue: [Task] = []
    private var running: Running?
    private var waited = 0
    private var afterTask = false
    private var textQueue: [String] = []
    private var stopFlag = false
    /// The most tasks accepted and not yet finished at any moment (running included).
    private(set) var maxOutstanding = 0
    private(set) var finished: [Generation] = []
    private(set) var sampling: [String: Double] = [:]

    func answer(path: String, body: String) -> (status: Int, body: String) {
        let ok = (200, #"{"status":"ok"}"#)
        switch path {
        case "/api/reset":
            if running != nil { return (400, #"{"error":"llm is running"}"#) }
            let json = Self.json(body)
            enqueue(.reset(json["system_prompt"] as? String ?? ""))
            return ok
        case "/api/generate":
            let json = Self.json(body)
            guard let prompt = json["prompt"] as? String else { return (400, #"{"error":"Invalid request format"}"#) }
            if running != nil { return (400, #"{"error":"llm is running"}"#) }
            applySampling(json)
            enqueue(.generate(prompt))
            return ok
        case "/api/stop":
            stopFlag = true
            return ok
        case "/api/generate_provider":
            advance()
            let text = textQueue.joined()
            textQueue.removeAll()
            let data = (try? JSONSerialization.data(withJSONObject: ["response": text, "done": running == nil])) ?? Data()
            return (200, String(decoding: data, as: UTF8.self))
        default:
            return (404, "")
        }
    }

    private func enqueue(_ task: Task) {
        queue.append(task)
        maxOutstanding = max(maxOutstanding, queue.count + (running == nil ? 0 : 1))
    }

    /// The sampler as the vendor's `set_llm_config` leaves it: top-p and top-k switch each other off.
    private func applySampling(_ json: [String: Any]) {
        if let t = json["temperature"] as? Double { sampling["temperature"] = t }
        if let p = json["top-p"] as? Double {
            sampling["top_p"] = p
            sampling["top_k"] = nil
        }
        if let k = json["top-k"] as? Double {
            sampling["top_k"] = k
            sampling["top_p"] = nil
        }
    }

    /// One poll's worth of the worker's time.
    private func advance() {
        switch running {
        case nil:
            guard !queue.isEmpty else { return }
            if waited < (afterTask ? gapPolls : dispatchPolls) {
                waited += 1
                return
            }
            waited = 0
            switch queue.removeFirst() {
            case .reset:
                running = .reset(pollsLeft: resetPolls)
            case let .generate(prompt):
                stopFlag = false
                running = .generate(Generation(prompt: prompt, chunks: ["<think>\n\n</think>", "\n\n"] + body(prompt)))
            }
        case let .reset(pollsLeft):
            running = pollsLeft <= 1 ? nil : .reset(pollsLeft: pollsLeft - 1)
            if running == nil { afterTask = true }
        case var .generate(generation):
            if stopFlag {
                generation.stopped = true
            } else {
                textQueue.append(generation.chunks[generation.pushed])
                generation.pushed += 1
            }
            if generation.stopped || generation.pushed == generation.chunks.count {
                finished.append(generation)
                running = nil
                afterTask = true
            } else {
                running = .generate(generation)
            }
        }
        if running == nil, queue.isEmpty { afterTask = false }
    }

    private static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}
