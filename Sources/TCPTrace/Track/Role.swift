/// Which role sent the segment a finding is about.
public enum Role: String, Sendable {
    case client, server
}
