import ArgumentParser

/// `analyze --format` choices.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, csv, zeek
}
