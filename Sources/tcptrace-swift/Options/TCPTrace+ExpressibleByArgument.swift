import ArgumentParser
import TCPTrace

extension Severity: ExpressibleByArgument {}

extension StreamOrder: ExpressibleByArgument {}
