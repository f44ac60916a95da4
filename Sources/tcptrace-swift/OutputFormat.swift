import ArgumentParser
import TCPTrace

/// `--format` choices.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl
}

extension Severity: ExpressibleByArgument {}

extension StreamOrder: ExpressibleByArgument {}
