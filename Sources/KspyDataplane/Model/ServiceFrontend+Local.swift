extension ServiceFrontend {
    /// This frontend with every endpoint whose IP is a pod IP on this node marked
    /// `local` with that pod (`podsByIP` comes from discovery: the addresses inside the
    /// node's pod network namespaces).
    public func markingLocal(_ podsByIP: [String: LocalPod]) -> ServiceFrontend {
        var copy = self
        copy.endpoints = endpoints.map { endpoint in
            var marked = endpoint
            marked.local = podsByIP[endpoint.ip]
            return marked
        }
        return copy
    }
}
