import EtcdAPI

/// What `endpoint health` found at one endpoint.
struct EndpointHealth {
    let endpoint: String
    let isHealthy: Bool
    /// Go's duration text of how long the check took.
    let took: String
    let error: String
}
