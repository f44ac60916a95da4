import TCPTrace

/// Where `live --metrics-listen` serves `/metrics`: an IP address literal and a port, `127.0.0.1:9464` or
/// `[::1]:9464` (an IPv6 address in brackets, as in a URL). Host names are not looked up: the value names the
/// socket exactly, and a typo fails before the capture starts instead of binding somewhere unexpected.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Why a `--metrics-listen` value was refused; each case holds the value.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        /// No `ADDRESS:PORT` shape (no colon, empty parts, an IPv6 address without brackets).
        case notAddressAndPort(String)
        /// The part before the port is not an IPv4 or IPv6 address literal.
        case badAddress(String, address: String)
        /// The port is not a number in 1...65535 (0 would pick a random port nobody could scrape).
        case badPort(String, port: String)

        /// Why, without the value (argument-parser quotes it: "The value 'x' is invalid for '--metrics-listen
        /// <address:port>': …").
        public var description: String {
            switch self {
            case .notAddressAndPort:
                "expected ADDRESS:PORT, an IPv4 address or an IPv6 one in brackets (127.0.0.1:9464, [::1]:9464)"
            case .badAddress(_, let address):
                "\(address) is not an IPv4 or IPv6 address (host names are not looked up)"
            case .badPort(_, let port):
                "port \(port) is not a number in 1-65535"
            }
        }
    }

    /// Parses `ADDRESS:PORT`; throws `ParseError` naming the value for anything else.
    public init(parsing value: String) throws(ParseError) {
        let host: Substring, port: Substring
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]"), value[close...].hasPrefix("]:") else {
                throw .notAddressAndPort(value)
            }
            host = value[value.index(after: value.startIndex)..<close]
            port = value[value.index(close, offsetBy: 2)...]
            guard host.contains(":") else { throw .badAddress(value, address: String(host)) }
        } else {
            guard let colon = value.lastIndex(of: ":"), !value[..<colon].contains(":") else {
                throw .notAddressAndPort(value)
            }
            host = value[..<colon]
            port = value[value.index(after: colon)...]
        }
        guard !host.isEmpty, !port.isEmpty else { throw .notAddressAndPort(value) }
        guard let address = IPAddress(String(host)) else { throw .badAddress(value, address: String(host)) }
        // Digits only: `Int("+80")` would accept a sign.
        guard port.allSatisfy({ $0.isASCII && $0.isNumber }), port.count <= 5, let number = Int(port),
            (1...65_535).contains(number)
        else { throw .badPort(value, port: String(port)) }
        self.init(address: address, port: UInt16(number))
    }

    /// `127.0.0.1:9464`, `[::1]:9464`.
    public var description: String { address.endpoint(port: port) }
}
