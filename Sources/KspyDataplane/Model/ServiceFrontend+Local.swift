extension ServiceFrontend {
    /// This frontend with every endpoint whose IP is a pod IP on this node marked
    /// `local` with that pod (`podsByIP` comes from discovery: the addresses inside the
    /// node's pod network namespaces).
    public func markingLocal(_ podsByIP: [String: LocalPod]) -> ServiceFrontend {
        var copy = self
        copy.markLocal(podsByIP)
        return copy
    }

    /// Marks, in place, every endpoint whose IP is in `podsByIP` `local` with that pod
    /// (and clears `local` on the others), as `markingLocal` does for a copy.
    public mutating func markLocal(_ podsByIP: [String: LocalPod]) {
        for index in endpoints.indices {
            endpoints[index].local = podsByIP[endpoints[index].ip]
        }
    }
}
