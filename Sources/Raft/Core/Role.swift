/// The four roles of a member. `preCandidate` runs a pre-vote before a real election (thesis §9.6).
public enum Role: String, Sendable {
    case follower
    case preCandidate
    case candidate
    case leader
}
