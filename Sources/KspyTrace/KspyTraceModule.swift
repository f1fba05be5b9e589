/// Placeholder: the Trace layer arrives with its issue (see DESIGN.md).
public enum KspyTraceModule {}
