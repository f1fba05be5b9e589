import CLibmnl
import Glibc
import Testing

/// kspy's own libmnl functions (CLibmnl), which libnftnl's archive is linked against:
/// messages and attributes laid out as netlink(7) does, read back, validated and run
/// through callbacks the way libnftnl uses them. (The nf_tables tests exercise them
/// against the kernel.)
@Suite struct LibmnlTests {
    /// Collects the types and payload lengths an attribute callback sees.
    final class Seen {
        var attributes: [(type: UInt16, length: UInt16)] = []
        var messages: [UInt16] = []
    }

    @Test func attributesAreAlignedPaddedAndReadBack() {
        var buffer = [UInt8](repeating: 0xAA, count: 256)
        buffer.withUnsafeMutableBytes { raw in
            let nlh = mnl_nlmsg_put_header(raw.baseAddress)!
            #expect(nlh.pointee.nlmsg_len == 16)
            _ = mnl_nlmsg_put_extra_header(nlh, 4)  // struct nfgenmsg
            #expect(nlh.pointee.nlmsg_len == 20)
            mnl_attr_put_u8(nlh, 1, 7)  // 4-byte header + 1 byte, padded to 8
            #expect(nlh.pointee.nlmsg_len == 28)
            #expect(raw[20 + 5] == 0 && raw[20 + 6] == 0 && raw[20 + 7] == 0)
            mnl_attr_put_strz(nlh, 2, "nat")  // "nat\0": 4 + 4
            #expect(nlh.pointee.nlmsg_len == 36)
            let nest = mnl_attr_nest_start(nlh, 3)!
            mnl_attr_put_u64(nlh, 4, 0x0102_0304_0506_0708)
            mnl_attr_nest_end(nlh, nest)
            #expect(nest.pointee.nla_len == 4 + 12)
            #expect(nest.pointee.nla_type == UInt16(NLA_F_NESTED) | 3)
            #expect(nlh.pointee.nlmsg_len == 52)

            let seen = Seen()
            let context = Unmanaged.passUnretained(seen).toOpaque()
            let collect: mnl_attr_cb_t = { attr, data in
                let seen = Unmanaged<Seen>.fromOpaque(data!).takeUnretainedValue()
                seen.attributes.append((mnl_attr_get_type(attr), mnl_attr_get_payload_len(attr)))
                return MNL_CB_OK
            }
            #expect(mnl_attr_parse(nlh, 4, collect, context) == MNL_CB_OK)
            #expect(seen.attributes.map(\.type) == [1, 2, 3])
            #expect(seen.attributes.map(\.length) == [1, 4, 12])

            // The nested attribute's own attributes, and the fixed-size getters.
            let nested = UnsafeMutableRawPointer(nest).assumingMemoryBound(to: nlattr.self)
            seen.attributes = []
            #expect(mnl_attr_parse_nested(nested, collect, context) == MNL_CB_OK)
            #expect(seen.attributes.map(\.type) == [4])
            let inner = mnl_attr_get_payload(nested)!.assumingMemoryBound(to: nlattr.self)
            #expect(mnl_attr_get_u64(inner) == 0x0102_0304_0506_0708)
            let name = raw.baseAddress!.advanced(by: 28).assumingMemoryBound(to: nlattr.self)
            #expect(String(cString: mnl_attr_get_str(name)) == "nat")
        }
    }

    @Test func validationRejectsWhatLibnftnlMustNotRead() {
        var buffer = [UInt8](repeating: 0, count: 128)
        buffer.withUnsafeMutableBytes { raw in
            let nlh = mnl_nlmsg_put_header(raw.baseAddress)!
            mnl_attr_put_str(nlh, 2, "ab")  // no NUL
            mnl_attr_put_u8(nlh, 5, 1)
            let text = raw.baseAddress!.advanced(by: 16).assumingMemoryBound(to: nlattr.self)
            let byte = mnl_attr_next(text)!

            #expect(mnl_attr_validate(text, MNL_TYPE_STRING) == 0)
            errno = 0
            #expect(mnl_attr_validate(text, MNL_TYPE_NUL_STRING) == -1)
            #expect(errno == EINVAL)
            #expect(mnl_attr_validate(byte, MNL_TYPE_U8) == 0)
            errno = 0
            #expect(mnl_attr_validate(byte, MNL_TYPE_U32) == -1)
            #expect(errno == ERANGE)
            #expect(mnl_attr_type_valid(byte, 5) == 1)
            errno = 0
            #expect(mnl_attr_type_valid(byte, 4) == -1)
            #expect(errno == EOPNOTSUPP)
            // An attribute claiming more than the bytes left is not ok.
            #expect(mnl_attr_ok(byte, 8))
            #expect(!mnl_attr_ok(byte, 4))
        }
    }

    @Test func callbackRunnerStopsAtDoneAndReportsKernelErrors() {
        /// One message of `type` with a 4-byte payload `value`.
        func message(type: UInt16, value: Int32, seq: UInt32 = 9) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: 20)
            bytes.withUnsafeMutableBytes { raw in
                let nlh = raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)
                nlh.pointee.nlmsg_len = 20
                nlh.pointee.nlmsg_type = type
                nlh.pointee.nlmsg_seq = seq
                raw.storeBytes(of: value, toByteOffset: 16, as: Int32.self)
            }
            return bytes
        }
        let seen = Seen()
        let context = Unmanaged.passUnretained(seen).toOpaque()
        let record: mnl_cb_t = { nlh, data in
            Unmanaged<Seen>.fromOpaque(data!).takeUnretainedValue().messages.append(nlh!.pointee.nlmsg_type)
            return MNL_CB_OK
        }

        let dump = message(type: 0x0A06, value: 0) + message(type: 0x0A06, value: 0)
            + message(type: UInt16(NLMSG_DONE), value: 0)
        #expect(dump.withUnsafeBytes { mnl_cb_run($0.baseAddress, $0.count, 9, 0, record, context) } == MNL_CB_STOP)
        #expect(seen.messages == [0x0A06, 0x0A06])

        // NLMSG_ERROR carries a struct nlmsgerr: error, then the request's header.
        var failure = message(type: UInt16(NLMSG_ERROR), value: -ENOENT)
        failure += [UInt8](repeating: 0, count: 16)
        failure.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(36), toByteOffset: 0, as: UInt32.self) }
        errno = 0
        #expect(failure.withUnsafeBytes { mnl_cb_run($0.baseAddress, $0.count, 9, 0, record, context) } == MNL_CB_ERROR)
        #expect(errno == ENOENT)

        // A reply to another request (sequence number) is refused.
        errno = 0
        let stray = message(type: 0x0A06, value: 0, seq: 4)
        #expect(stray.withUnsafeBytes { mnl_cb_run($0.baseAddress, $0.count, 9, 0, record, context) } == MNL_CB_ERROR)
        #expect(errno == EPROTO)
    }

    @Test func socketBindsAndLearnsItsPortID() throws {
        guard let socket = mnl_socket_open(NETLINK_NETFILTER) else {
            Issue.record("mnl_socket_open: errno \(errno)")
            return
        }
        defer { mnl_socket_close(socket) }
        #expect(mnl_socket_bind(socket, 0, 0) == 0)
        #expect(mnl_socket_get_portid(socket) != 0)
        let flags = fcntl(mnl_socket_get_fd(socket), F_GETFD)
        #expect(flags & FD_CLOEXEC != 0)
    }
}
