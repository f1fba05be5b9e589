import Foundation

/// Parses iptables-save text on a thread of its own while the caller produces the next
/// pieces: the nf_tables reader dumps rules from the kernel while the rules it already
/// has are written as text and parsed (a node has more than one core), instead of the
/// two running one after the other. A piece is whatever the producer hands over;
/// `render` turns it into whole lines of text on the parsing thread (the nf_tables
/// reader hands over netlink messages, so writing them as words is off the dumping
/// thread too). At most `queueLimit` pieces wait; `feed` blocks beyond that, so nothing
/// piles up in memory.
final class BackgroundSaveParser<Piece: Sendable>: @unchecked Sendable {
    /// Everything below is guarded by `condition`'s lock, except `session` and `render`,
    /// which only the parsing thread uses until it posts `outcome`.
    private let condition = NSCondition()
    private var queue: [Piece] = []
    private var noMorePieces = false
    private var failure: DataplaneError?
    private var outcome: Result<IPTablesRuleset, DataplaneError>?
    private var session: IPTablesSaveParser.Session
    private let render: (Piece) throws(DataplaneError) -> [UInt8]
    private let queueLimit = 4

    /// Starts the parsing thread; `render` writes each piece as whole lines. Without
    /// `checkingRuleWords` rule lines are scanned, not built (`IPTablesSaveParser.Session`).
    init(
        parser: IPTablesSaveParser, checkingRuleWords: Bool = true,
        render: @escaping @Sendable (Piece) throws(DataplaneError) -> [UInt8]
    ) {
        session = IPTablesSaveParser.Session(parser: parser, checkingRuleWords: checkingRuleWords)
        self.render = render
        Thread.detachNewThread { self.parseUntilDone() }
    }

    /// Queues `piece` for parsing.
    /// - Throws: the parse (or render) error of an earlier piece, as soon as there is one.
    func feed(_ piece: Piece) throws(DataplaneError) {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= queueLimit && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(piece)
        condition.broadcast()
    }

    /// True while `queueLimit` pieces wait (the parsing thread is behind; a producer with
    /// spare time can take over some of its work, such as rendering the next piece).
    var isBacklogged: Bool {
        condition.lock()
        defer { condition.unlock() }
        return queue.count >= queueLimit
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
                try session.feed(try render(piece))
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

extension BackgroundSaveParser where Piece == [UInt8] {
    /// A parser of pieces that are text already (whole lines).
    convenience init(parser: IPTablesSaveParser) {
        self.init(parser: parser) { (text: [UInt8]) throws(DataplaneError) -> [UInt8] in text }
    }
}
