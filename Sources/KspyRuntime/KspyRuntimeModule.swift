/// Test pods: a Kubernetes Pod manifest built into namespaces, cgroups, mounts and a supervisor.
public enum KspyRuntimeModule {}
