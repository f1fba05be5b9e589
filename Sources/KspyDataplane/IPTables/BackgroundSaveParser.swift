import Foundation

/// Parses iptables-save text on a thread of its own while the caller produces the next
/// pieces: the nf_tables reader renders rules as the kernel sends them, so the netlink
/// dump and the parse overlap (a node has more than one core) instead of running one
/// after the other. At most `queueLimit` pieces wait; `feed` blocks beyond that, so the
/// text never piles up in memory.
final class BackgroundSaveParser: @unchecked Sendable {
    /// Everything below is guarded by `condition`'s lock, except `session`, which only
    /// the parsing thread touches until it posts `outcome`.
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var noMorePieces = false
    private var failure: DataplaneError?
    private var outcome: Result<IPTablesRuleset, DataplaneError>?
    private var session: IPTablesSaveParser.Session
    private let queueLimit = 4

    /// Starts the parsing thread.
    init(parser: IPTablesSaveParser) {
        session = IPTablesSaveParser.Session(parser: parser)
        Thread.detachNewThread { self.parseUntilDone() }
    }

    /// Queues `piece` (whole lines) for parsing.
    /// - Throws: the parse error of an earlier piece, as soon as there is one.
    func feed(_ piece: [UInt8]) throws(DataplaneError) {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= queueLimit && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(piece)
        condition.broadcast()
    }

    /// Waits until every piece is parsed and returns the ruleset.
    /// - Throws: the first parse error, or a truncated-dump error (`Session.finish`).
    func finish() throws(DataplaneError) -> IPTablesRuleset {
        try waitForOutcome().get()
    }

    /// Ends parsing without a result (the producer failed); returns once the thread is done.
    func cancel() {
        condition.lock()
        queue.removeAll()
        condition.unlock()
        _ = waitForOutcome()
    }

    private func waitForOutcome() -> Result<IPTablesRuleset, DataplaneError> {
        condition.lock()
        defer { condition.unlock() }
        noMorePieces = true
        condition.broadcast()
        while outcome == nil { condition.wait() }
        return outcome!
    }

    private func parseUntilDone() {
        while true {
            condition.lock()
            while queue.isEmpty && !noMorePieces { condition.wait() }
            guard !queue.isEmpty else {
                condition.unlock()
                let result: Result<IPTablesRuleset, DataplaneError>
                do throws(DataplaneError) {
                    result = .success(try session.finish())
                } catch {
                    result = .failure(error)
                }
                post(result)
                return
            }
            let piece = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            do throws(DataplaneError) {
                try session.feed(piece)
            } catch {
                condition.lock()
                failure = error
                queue.removeAll()
                condition.broadcast()
                condition.unlock()
                post(.failure(error))
                return
            }
        }
    }

    private func post(_ result: Result<IPTablesRuleset, DataplaneError>) {
        condition.lock()
        outcome = result
        condition.broadcast()
        condition.unlock()
    }
}
