import Glibc
import KspyDataplane

/// `kspy svc -o json`: the frontends as `Renderer.json` would print them (the same
/// bytes: a test holds the two equal), streamed through a `PrettyJSONWriter` instead of
/// built whole by JSONEncoder, since a node's dataplane can hold tens of thousands of
/// frontends and the generic encoder's tree cost more time and memory than reading
/// the dataplane did.
///
/// Keys in sorted order; every `ServiceFrontend` and `ServiceEndpoint` key is written,
/// nil as `null` (their `encode(to:)`), while `SessionAffinity` and `LocalPod` leave
/// nil keys out (their synthesized `Encodable`).
enum ServiceFrontendJSON {
    /// Writes `frontends` as a JSON array and a newline to `fileDescriptor` as it goes.
    /// - Throws: `JSONOutputError` when the output refuses the text or a weight is not finite.
    static func write(_ frontends: [ServiceFrontend], to fileDescriptor: Int32 = STDOUT_FILENO) throws(JSONOutputError)
    {
        var writer = PrettyJSONWriter(fileDescriptor: fileDescriptor)
        try write(frontends, into: &writer)
        try writer.finish()
    }

    /// The text `write(_:to:)` writes, as one string.
    static func text(_ frontends: [ServiceFrontend]) throws(JSONOutputError) -> String {
        var writer = PrettyJSONWriter(inMemory: ())
        try write(frontends, into: &writer)
        return writer.text
    }

    /// `[]` for none (as `Renderer.json` prints an empty list), then a newline.
    private static func write(_ frontends: [ServiceFrontend], into writer: inout PrettyJSONWriter)
        throws(JSONOutputError)
    {
        if frontends.isEmpty {
            writer.raw("[]\n")
            return
        }
        writer.beginArray()
        for frontend in frontends {
            try write(frontend, into: &writer)
            try writer.flushIfFull()
        }
        writer.endArray()
        writer.raw("\n")
    }

    private static func write(_ frontend: ServiceFrontend, into writer: inout PrettyJSONWriter) throws(JSONOutputError)
    {
        writer.beginObject()
        writer.key("affinity")
        if let affinity = frontend.affinity {
            writer.beginObject()
            if let timeout = affinity.timeoutSeconds {
                writer.key("timeoutSeconds")
                writer.int(timeout)
            }
            writer.key("type")
            writer.string(affinity.type)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.key("endpoints")
        writer.beginArray()
        for endpoint in frontend.endpoints { try write(endpoint, into: &writer) }
        writer.endArray()
        writer.key("kind")
        writer.string(frontend.kind.rawValue)
        writer.key("mode")
        writer.string(frontend.mode.rawValue)
        writer.key("name")
        writer.string(frontend.name)
        writer.key("notes")
        writer.beginArray()
        for note in frontend.notes { writer.string(note) }
        writer.endArray()
        writer.key("port")
        writer.int(frontend.port)
        writer.key("protocol")
        writer.string(frontend.protocol)
        writer.key("vip")
        writer.string(frontend.vip)
        writer.endObject()
    }

    private static func write(_ endpoint: ServiceEndpoint, into writer: inout PrettyJSONWriter) throws(JSONOutputError)
    {
        writer.beginObject()
        writer.key("ip")
        writer.string(endpoint.ip)
        writer.key("local")
        if let local = endpoint.local {
            writer.beginObject()
            if let container = local.containerName {
                writer.key("containerName")
                writer.string(container)
            }
            if let name = local.podName {
                writer.key("podName")
                writer.string(name)
            }
            if let namespace = local.podNamespace {
                writer.key("podNamespace")
                writer.string(namespace)
            }
            writer.key("podUID")
            writer.string(local.podUID)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.key("port")
        writer.int(endpoint.port)
        writer.key("state")
        writer.string(endpoint.state)
        writer.key("weight")
        try writer.double(endpoint.weight)
        writer.endObject()
    }
}
