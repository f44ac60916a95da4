/// Renders check results: text for people, JSON for scripts, JUnit XML for CI systems.
public enum CheckReport {
    public struct Totals: Sendable {
        public var passed = 0
        public var failed = 0
        public var errors = 0

        public init(_ checks: [CaptureCheck]) {
            for check in checks {
                if check.error != nil { errors += 1 }
                for r in check.results { if r.passed { passed += 1 } else { failed += 1 } }
            }
        }
    }

    public static func text(_ checks: [CaptureCheck], verbose: Bool = false) -> String {
        var out = ""
        for check in checks {
            if let error = check.error {
                out += "ERROR \(check.capture): \(error)\n"
                continue
            }
            let status = check.failures == 0 ? "PASS" : "FAIL"
            out +=
                "\(status) \(check.capture) (\(check.expectations)): \(check.results.count - check.failures)/"
                + "\(check.results.count) expectations met\n"
            for warning in check.warnings { out += "  warning: \(warning)\n" }
            for r in check.results where !r.passed || verbose {
                out += r.passed ? "  ok    \(r.name)\n" : "  FAIL  \(r.name)\n        \(r.message ?? "")\n"
            }
        }
        let t = Totals(checks)
        out += "\(checks.count) capture(s), \(t.errors) error(s)\n"
        out += "\(t.passed) passed, \(t.failed) failed\n"
        return out
    }

    public static func json(_ checks: [CaptureCheck]) -> String {
        let t = Totals(checks)
        let doc: JSONValue = .object([
            .schema: .string("tcptrace-swift-check/1"),
            .captures: .array(
                checks.map { check in
                    .object([
                        .capture: .string(check.capture),
                        .expectations: .string(check.expectations),
                        .error: .optional(check.error),
                        .warnings: .array(check.warnings.map { .string($0) }),
                        .results: .array(
                            check.results.map { r in
                                .object([
                                    .name: .string(r.name), .passed: .bool(r.passed), .message: .optional(r.message),
                                ])
                            }),
                    ])
                }),
            .passed: .int(Int64(t.passed)),
            .failed: .int(Int64(t.failed)),
            .errors: .int(Int64(t.errors)),
        ])
        return doc.serialized(pretty: true) + "\n"
    }

    /// JUnit XML: one testsuite per capture, one testcase per expectation; an unusable capture or
    /// expectation file is one testcase with an `<error>`.
    public static func junit(_ checks: [CaptureCheck]) -> String {
        let t = Totals(checks)
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out +=
            "<testsuites name=\"tcptrace-swift check\" tests=\"\(t.passed + t.failed + t.errors)\" "
            + "failures=\"\(t.failed)\" errors=\"\(t.errors)\">\n"
        for check in checks {
            let name = escape(check.capture)
            if let error = check.error {
                out += "  <testsuite name=\"\(name)\" tests=\"1\" failures=\"0\" errors=\"1\">\n"
                out += "    <testcase classname=\"\(name)\" name=\"read capture and expectations\">\n"
                out += "      <error message=\"\(escape(error))\"/>\n    </testcase>\n  </testsuite>\n"
                continue
            }
            out +=
                "  <testsuite name=\"\(name)\" tests=\"\(check.results.count)\" failures=\"\(check.failures)\" "
                + "errors=\"0\">\n"
            for r in check.results {
                out += "    <testcase classname=\"\(name)\" name=\"\(escape(r.name))\""
                if r.passed {
                    out += "/>\n"
                } else {
                    out +=
                        ">\n      <failure "
                        + "message=\"\(escape(r.message ?? ""))\">\(escape(r.message ?? ""))</failure>\n"
                    out += "    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    static func escape(_ s: String) -> String { SVG.escape(s) }
}
