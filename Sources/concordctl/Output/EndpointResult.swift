import EtcdAPI

/// One endpoint's answer, as `endpoint status`, `endpoint hashkv` and `endpoint health` print it.
struct EndpointResult<Response> {
    let endpoint: String
    let response: Response
}
