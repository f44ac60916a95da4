import Testing

@testable import TCPTrace

/// A finding's detail is kept as pieces (`FindingDetail`) and joined only when read: the joined text, and the
/// JSON written from the pieces, must be exactly what one `String` built the usual way gives.
@Suite struct FindingDetailTests {
    @Test func interpolationRendersAsStringInterpolationDoes() {
        let n = 3
        let seq = SequenceNumber(4_294_967_295)
        let seconds = 0.25
        let state = TCPState.finWait1
        let missing: Int? = nil
        let name = "a longer string held in a variable, past fifteen bytes"
        let detail: FindingDetail =
            "SYN sent again (attempt \(n)), ISN \(seq), after \(seconds) in \(state) (\(missing as Any)); \(name)"
        let expected =
            "SYN sent again (attempt \(n)), ISN \(seq), after \(seconds) in \(state) (\(missing as Any)); \(name)"
        #expect(detail.description == expected)
        #expect(
            Finding(code: .reset, frame: 1, time: Timestamp(nanoseconds: 0), senderIndex: 0, text: detail).detail
                == expected)
    }

    @Test func plusJoinsDetailsAndStrings() {
        let isn = SequenceNumber(1000)
        let detail: FindingDetail =
            "SYN-ACK acknowledges \(isn), expected ISN \(isn) + 1 = \(isn + 1) "
            + "(the SYN consumes one sequence number)" + "; evidence"
        #expect(
            detail.description
                == "SYN-ACK acknowledges 1000, expected ISN 1000 + 1 = 1001 (the SYN consumes one sequence number); evidence"
        )
        var grown = FindingDetail("first")
        grown += " (and 3 more not listed)"
        #expect(grown.description == "first (and 3 more not listed)")
    }

    /// Past `inlinePieces` the rest is joined onto the last piece: the text is still whole, in order.
    @Test func morePiecesThanKeptApartStayInOrder() {
        var detail = FindingDetail()
        var expected = ""
        for i in 0..<(FindingDetail.inlinePieces * 2 + 3) {
            detail.append("piece \(i);")
            expected += "piece \(i);"
        }
        #expect(detail.description == expected)
        #expect(detail == FindingDetail(expected))
        #expect(detail.hashValue == FindingDetail(expected).hashValue)
        #expect(FindingDetail().description == "")
        #expect(FindingDetail("").description == "")
    }

    /// Escaping goes byte by byte, so the pieces escaped one after the other give the joined text's JSON, with
    /// quotes, backslashes, control characters and multi-byte characters on piece boundaries.
    @Test func jsonFromPiecesIsTheJoinedTextsJSON() {
        let quote = "\"quoted\""
        let tab = "\t"
        let accented = "é"
        let detail: FindingDetail = "a \(quote) b\\c \(tab)\u{1}\(accented)\("🙂") end\n" + "\(quote)"
        var fromPieces: [UInt8] = []
        JSONValue.escape(detail, into: &fromPieces)
        var fromText: [UInt8] = []
        JSONValue.escape(detail.description, into: &fromText)
        #expect(fromPieces == fromText)
        #expect(String(decoding: fromText, as: UTF8.self) == #""a \"quoted\" b\\c \t\u0001é🙂 end\n\"quoted\"""#)
    }

    /// The findings pool (shared by every tracker in the process, so other tests may take from it meanwhile):
    /// what it takes leaves the connection, and what it hands out is empty.
    @Test func findingsPoolTakesArraysAndHandsOutEmptyOnes() {
        var findings: [Finding] = []
        findings.reserveCapacity(4)
        findings.append(
            Finding(code: .reset, frame: 7, time: Timestamp(nanoseconds: 1), senderIndex: 1, text: "reset at \(7)"))
        FindingsPool.give(&findings)
        #expect(findings.isEmpty && findings.capacity == 0)
        if let spare = FindingsPool.take() {
            #expect(spare.isEmpty && spare.capacity > 0)
        }
        var large: [Finding] = []
        large.reserveCapacity(FindingsPool.largest + 1)
        large.append(Finding(code: .reset, frame: 1, time: Timestamp(nanoseconds: 0), senderIndex: 0, detail: "x"))
        FindingsPool.give(&large)
        #expect(large.count == 1)  // (too large to keep: left where it was)
    }

    /// `withFoundFindings` lends its items from a temporary allocation, which is on the stack only up to 1 KiB:
    /// the state machine's seven items must fit (beyond, every segment allocated).
    @Test func oneSegmentsFindingsFitTheStack() {
        #expect(MemoryLayout<FoundFindings.Item>.stride * 7 <= 1024)
    }
}
