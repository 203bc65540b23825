import { describeMessageStoreConformance } from "./message_store_conformance.ts";
import { MemoryMessageStore } from "./memory_message_store.ts";

describeMessageStoreConformance("MemoryMessageStore", () => new MemoryMessageStore());
