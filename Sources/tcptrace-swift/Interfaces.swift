import ArgumentParser
import TCPTrace

struct Interfaces: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interfaces", abstract: "List capture interfaces, like `tcpdump -D`.")

    func run() throws {
        do {
            for (n, i) in try CaptureInterface.all().enumerated() {
                var flags: [String] = []
                if i.isUp { flags.append("Up") }
                if i.isRunning { flags.append("Running") }
                if i.isLoopback { flags.append("Loopback") }
                var line = "\(n + 1).\(i.name)"
                if let d = i.description { line += " (\(d))" }
                line += " [\(flags.joined(separator: ", "))]"
                if !i.addresses.isEmpty { line += " " + i.addresses.joined(separator: " ") }
                print(line)
            }
        } catch {
            printError("tcptrace-swift: \(error)")
            throw ExitCode(ExitStatus.badInput)
        }
    }
}
