import Glibc
import Testing

