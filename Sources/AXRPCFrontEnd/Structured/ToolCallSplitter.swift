import Foundation

/// Separates a streamed reply into plain text and tool calls. Text that might be the start of a
/// `<tool_call>` tag is held back until it is clearly not; a call is emitted once its closing tag
/// arrives. A block whose body is not a valid call goes out as the plain text it was, so a
/// malformed reply is shown to the caller rather than lost (and never crashes anything).
/// Whitespace between calls is dropped once a call has been seen.
package struct ToolCallSplitter: Sendable {
    /// What the splitter hands on: text, or a complete call.
    package enum Piece: Sendable, Equatable {
        case text(String)
        case call(ParsedToolCall)
    }

    static let open = "<tool_call>"
    package static let close = "</tool_call>"

    private var pending = ""
    private var insideCall = false
    /// Whitespace held back: it is dropped if a call follows or ends the reply after a call.
    private var heldWhitespace = ""
    private(set) var callCount = 0

    package mutating func push(_ text: String) -> [Piece] {
        pending += text
        var pieces: [Piece] = []
        while true {
            if insideCall {
                guard let end = pending.range(of: Self.close) else { return pieces }
                let body = String(pending[..<end.lowerBound])
                pending = String(pending[end.upperBound...])
                insideCall = false
                pieces += emitCall(body: body, closed: true)
            } else if let start = pending.range(of: Self.open) {
                pieces += emitText(String(pending[..<start.lowerBound]), beforeCall: true)
                pending = String(pending[start.upperBound...])
                insideCall = true
            } else {
                let keep = Self.partialTagLength(pending)
                let cut = pending.index(pending.endIndex, offsetBy: -keep)
                pieces += emitText(String(pending[..<cut]), beforeCall: false)
                pending = String(pending[cut...])
                return pieces
            }
        }
    }

    /// The end of the reply: an unclosed call is parsed as it is (a stop sequence or the token
    /// limit may have cut the closing tag), anything else held back goes out as text.
    package mutating func finish() -> [Piece] {
        var pieces: [Piece] = []
        if insideCall {
            insideCall = false
            pieces += emitCall(body: pending, closed: false)
        } else {
            pieces += emitText(pending, beforeCall: false)
        }
        pending = ""
        if callCount == 0, !heldWhitespace.isEmpty { pieces.append(.text(heldWhitespace)) }
        heldWhitespace = ""
        return pieces
    }

    private mutating func emitCall(body: String, closed: Bool) -> [Piece] {
        guard let call = ParsedToolCall.parse(body) else {
            return emitText(Self.open + body + (closed ? Self.close : ""), beforeCall: false)
        }
        callCount += 1
        heldWhitespace = ""
        return [.call(call)]
    }

    private mutating func emitText(_ text: String, beforeCall: Bool) -> [Piece] {
        guard !text.isEmpty else { return [] }
        if text.allSatisfy(\.isWhitespace) {
            heldWhitespace += text
            return []
        }
        let out = heldWhitespace + (beforeCall ? text.trimmingTrailingWhitespace() : text)
        heldWhitespace = ""
        return out.isEmpty ? [] : [.text(out)]
    }

    /// Length of the longest suffix of `text` that is a proper prefix of `<tool_call>`.
    package static func partialTagLength(_ text: String) -> Int {
        let tag = Array(open)
        let chars = Array(text.suffix(tag.count - 1))
        for length in stride(from: min(chars.count, tag.count - 1), to: 0, by: -1)
            where Array(chars.suffix(length)) == Array(tag.prefix(length)) {
            return length
        }
        return 0
    }
}

extension String {
    /// The string without trailing whitespace and newlines (the line break before a call).
    package func trimmingTrailingWhitespace() -> String {
        var view = Substring(self)
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
