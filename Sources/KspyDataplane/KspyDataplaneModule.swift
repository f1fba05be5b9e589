/// Placeholder: the Dataplane layer arrives with its issue (see DESIGN.md).
public enum KspyDataplaneModule {}
