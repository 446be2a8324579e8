// The schema of Event (docs/api.md "Event").
#include <vector>

#include "api_types/type_schema.h"

namespace kiln {
namespace {

TypeSchema EventSchema() {
  return {
      kEventSchema,
      "Event records one transition of an object (e.g. a Build admitted, "
      "started, cancelled); repeats increment count.",
      {ApiVersionField(), KindField(),
       ObjectField("metadata", kObjectMetaSchema, "Standard object metadata."),
       ObjectField("involvedObject", "dev.kiln.v1.ObjectReference",
                   "The object the event is about."),
       StringField("reason",
                   "Why the event happened, in CamelCase, e.g. Admitted."),
       StringField("message", "What happened, for humans."),
       StringField("type", "Normal or Warning.").Enum({"Normal", "Warning"}),
       IntegerField("count", "How many times the event occurred."),
       DateTimeField("firstTimestamp", "When the event first occurred."),
       DateTimeField("lastTimestamp", "When the event last occurred."),
       ObjectField("source", "dev.kiln.v1.EventSource",
                   "The component that reported the event.")},
      GroupVersionKind{"kiln.dev", "v1", "Event"}};
}

TypeSchema EventListSchema() {
  return {kEventListSchema,
          "EventList is a list of Events.",
          {ApiVersionField(), KindField(),
           ObjectField("metadata", kListMetaSchema, "Standard list metadata."),
           ObjectListField("items", kEventSchema, "The Events.").Required()},
          GroupVersionKind{"kiln.dev", "v1", "EventList"}};
}

TypeSchema ObjectReferenceSchema() {
  return {"dev.kiln.v1.ObjectReference",
          "ObjectReference identifies an object.",
          {StringField("apiVersion", "API version of the object."),
           StringField("kind", "Kind of the object, e.g. Build."),
           StringField("namespace", "Namespace of the object."),
           StringField("name", "Name of the object."),
           StringField("uid", "UID of the object."),
           StringField("resourceVersion",
                       "The object's resourceVersion when the event was "
                       "recorded.")}};
}

TypeSchema EventSourceSchema() {
  return {"dev.kiln.v1.EventSource",
          "EventSource names the reporter of an event.",
          {StringField("component",
                       "The reporting component, e.g. "
                       "build-controller.")}};
}

}  // namespace

std::vector<TypeSchema> EventTypeSchemas() {
  return {EventSchema(), EventListSchema(), ObjectReferenceSchema(),
          EventSourceSchema()};
}

}  // namespace kiln
