// The canvas's node components, by node kind (the `type` of each canvas node).
import './node.css';
import type { NodeTypes } from '@xyflow/svelte';
import type { NodeComponent } from './types.ts';
import { ConsumerNode } from './ConsumerNode/index.ts';
import { GenericNode } from './GenericNode/index.ts';
import { ProducerNode } from './ProducerNode/index.ts';
import { TopicNode } from './TopicNode/index.ts';

export const nodeTypes = { producer: ProducerNode, topic: TopicNode, consumer: ConsumerNode, generic: GenericNode } satisfies Record<NodeComponent, NodeTypes[string]>;
