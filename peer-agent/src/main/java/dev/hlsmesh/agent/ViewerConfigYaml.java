package dev.hlsmesh.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hlsmesh.agent.player.PlayerSettings;
import dev.hlsmesh.agent.proxy.ProxySettings;
import dev.hlsmesh.agent.scheduler.SchedulerSettings;
import dev.hlsmesh.agent.store.StoreSettings;
import dev.hlsmesh.cdn.CdnConfig;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads a {@link ViewerConfig} from YAML. Each section maps onto its record one to one: the keys
 * are the record's component names, absent keys keep the record's defaults, unknown keys are
 * errors, and every problem (YAML type, unknown key, range, environment) is collected and reported
 * at once. The mapping is derived from the records themselves, so a new setting is a new YAML key
 * without touching this class (and docs/configuration.md is tested against {@link #reference()}).
 *
 * <p>Stateless; any thread.
 */
final class ViewerConfigYaml {
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
  /** Placeholder tracker for the defaults of the other agent settings; never used to connect. */
  private static final URI NO_TRACKER = URI.create("ws://tracker.invalid/");

  /** One YAML section: a record type, its defaults, and components YAML cannot express. */
  private record Section(String path, Class<? extends Record> type, Record defaults, Set<String> codeOnly) {
  }

  private static final Section AGENT = new Section("agent", AgentConfig.class,
      AgentConfig.builder(NO_TRACKER).build(), Set.of("integrity"));
  private static final Section INTEGRITY = new Section("agent.integrity", IntegritySettings.class,
      IntegritySettings.defaults(), Set.of("validator"));
  private static final Section CDN = new Section("cdn", CdnConfig.class, CdnConfig.defaults(), Set.of());
  private static final Section SCHEDULER = new Section("scheduler", SchedulerSettings.class,
      SchedulerSettings.defaults(), Set.of());
  private static final Section PROXY = new Section("proxy", ProxySettings.class, ProxySettings.defaults(), Set.of());
  private static final Section STORE = new Section("store", StoreSettings.class, StoreSettings.defaults(), Set.of());
  private static final Section PLAYER = new Section("player", PlayerSettings.class, PlayerSettings.defaults(),
      Set.of());
  private static final List<Section> TOP = List.of(AGENT, CDN, SCHEDULER, PROXY, STORE, PLAYER);

  private ViewerConfigYaml() {
  }

  static ViewerConfig load(Path file, Map<String, String> environment) {
    String yaml;
    try {
      yaml = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidConfigException(List.of(file + ": cannot read: " + e));
    }
    return parse(yaml, file.toString(), environment);
  }

  static ViewerConfig parse(String yaml, String source, Map<String, String> environment) {
    List<String> problems = new ArrayList<>();
    JsonNode root;
    try {
      root = yaml.isBlank() ? null : YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new InvalidConfigException(List.of(source + ": invalid YAML: " + e.getOriginalMessage().strip()));
    }
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    if (root != null && !root.isMissingNode() && !root.isNull()) {
      if (root.isObject()) {
        tree = (ObjectNode) root;
      } else {
        problems.add(source + ": " + describe(root) + " (expected: a mapping with the sections "
            + TOP.stream().map(Section::path).collect(Collectors.joining(", ")) + ")");
      }
    }
    applyEnvironment(tree, environment, problems);
    Map<String, JsonNode> sections = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : tree.properties()) {
      Optional<Section> section = TOP.stream().filter(s -> s.path().equals(entry.getKey())).findFirst();
      if (section.isEmpty()) {
        problems.add(entry.getKey() + ": unknown key (expected one of: "
            + TOP.stream().map(Section::path).collect(Collectors.joining(", ")) + ")");
      } else if (entry.getValue().isObject()) {
        sections.put(entry.getKey(), entry.getValue());
      } else if (!entry.getValue().isNull()) {
        problems.add(entry.getKey() + ": " + describe(entry.getValue()) + " (expected: a mapping)");
      }
    }

    JsonNode agentNode = sections.get(AGENT.path());
    JsonNode integrityNode = agentNode == null ? null : agentNode.get("integrity");
    if (integrityNode != null && !integrityNode.isObject() && !integrityNode.isNull()) {
      problems.add("agent.integrity: " + describe(integrityNode) + " (expected: a mapping)");
      integrityNode = null;
    }
    IntegritySettings integrity = build(INTEGRITY, integrityNode, Map.of(), problems, IntegritySettings.class);
    boolean trackerGiven = agentNode != null && agentNode.hasNonNull("trackerUrl");
    AgentConfig agent = build(AGENT, agentNode,
        Map.of("integrity", integrity == null ? IntegritySettings.defaults() : integrity), problems, AgentConfig.class);
    CdnConfig cdn = build(CDN, sections.get(CDN.path()), Map.of(), problems, CdnConfig.class);
    SchedulerSettings scheduler = build(SCHEDULER, sections.get(SCHEDULER.path()), Map.of(), problems,
        SchedulerSettings.class);
    ProxySettings proxy = build(PROXY, sections.get(PROXY.path()), Map.of(), problems, ProxySettings.class);
    StoreSettings store = build(STORE, sections.get(STORE.path()), Map.of(), problems, StoreSettings.class);
    PlayerSettings player = build(PLAYER, sections.get(PLAYER.path()), Map.of(), problems, PlayerSettings.class);
    boolean p2p = scheduler == null || scheduler.p2pEnabled();
    if (p2p && !trackerGiven) {
      problems.add("agent.trackerUrl: missing (expected: a ws:// or wss:// tracker URL, or scheduler.p2pEnabled: false)");
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return new ViewerConfig(trackerGiven ? Optional.of(agent) : Optional.empty(), cdn, scheduler, proxy, store,
        player);
  }

  /** The environment's overrides, written into the tree as if the file said so. */
  private static void applyEnvironment(ObjectNode tree, Map<String, String> environment, List<String> problems) {
    String tracker = environment.get(ViewerConfig.ENV_TRACKER_URL);
    if (tracker != null) {
      section(tree, "agent").put("trackerUrl", tracker.strip());
    }
    String cdns = environment.get(ViewerConfig.ENV_CDN_BASE_URLS);
    if (cdns != null) {
      ArrayNode urls = section(tree, "cdn").putArray("cdnBaseUrls");
      Arrays.stream(cdns.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(urls::add);
    }
    String port = environment.get(ViewerConfig.ENV_PROXY_PORT);
    if (port != null) {
      try {
        section(tree, "proxy").put("port", Integer.parseInt(port.strip()));
      } catch (NumberFormatException e) {
        problems.add(ViewerConfig.ENV_PROXY_PORT + "=\"" + port + "\" (expected: an integer 0..65535)");
      }
    }
    String upload = environment.get(ViewerConfig.ENV_MAX_UPLOAD_BYTES_PER_SECOND);
    if (upload != null) {
      try {
        section(tree, "agent").put("maxUploadBytesPerSecond", Long.parseLong(upload.strip()));
      } catch (NumberFormatException e) {
        problems.add(ViewerConfig.ENV_MAX_UPLOAD_BYTES_PER_SECOND + "=\"" + upload
            + "\" (expected: an integer, 0 = uncapped)");
      }
    }
  }

  private static ObjectNode section(ObjectNode tree, String name) {
    JsonNode node = tree.get(name);
    if (node instanceof ObjectNode object) {
      return object;
    }
    return tree.putObject(name); // absent or null (a wrong type is reported by the env's value winning)
  }

  /**
   * One section's record: its defaults, overridden by the YAML keys and by {@code fixed}; null
   * (with the problems added) when something is wrong.
   */
  private static <T extends Record> T build(Section section, JsonNode node, Map<String, Object> fixed,
      List<String> problems, Class<T> type) {
    RecordComponent[] components = section.type().getRecordComponents();
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      values[i] = fixed.containsKey(components[i].getName()) ? fixed.get(components[i].getName())
          : valueOf(components[i], section.defaults());
    }
    int before = problems.size();
    if (node != null && node.isObject()) {
      for (Map.Entry<String, JsonNode> entry : node.properties()) {
        String key = entry.getKey();
        String path = section.path() + "." + key;
        int index = indexOf(components, key);
        if (section.path().equals("agent") && key.equals("integrity")) {
          continue; // its own section
        }
        if (index < 0 || section.codeOnly().contains(key)) {
          problems.add(path + ": unknown key (expected one of: " + String.join(", ", keys(section)) + ")");
          continue;
        }
        Object value = convert(entry.getValue(), components[index].getGenericType(), path, problems);
        if (value != NO_VALUE) {
          values[index] = value;
        }
      }
    }
    if (problems.size() > before) {
      // Still build with the good values: the record reports its range problems too.
      try {
        construct(section, components, values);
      } catch (IllegalArgumentException e) {
        problems.addAll(split(e.getMessage(), section));
      }
      return null;
    }
    try {
      return type.cast(construct(section, components, values));
    } catch (IllegalArgumentException e) {
      problems.addAll(split(e.getMessage(), section));
      return null;
    }
  }

  private static Record construct(Section section, RecordComponent[] components, Object[] values) {
    Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
    try {
      Constructor<? extends Record> constructor = section.type().getDeclaredConstructor(types);
      return constructor.newInstance(values);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException invalid) {
        throw invalid;
      }
      if (e.getCause() instanceof NullPointerException missing) {
        throw new IllegalArgumentException(section.path() + ": " + missing.getMessage() + " missing");
      }
      throw new IllegalStateException("building " + section.type().getSimpleName() + " failed", e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("no canonical constructor of " + section.type().getSimpleName(), e);
    }
  }

  /** A record's "invalid ...: a; b" message as one problem per setting. */
  private static List<String> split(String message, Section section) {
    String top = section.path().contains(".") ? section.path().substring(0, section.path().indexOf('.'))
        : section.path();
    int start = message.indexOf(top + ".");
    if (start < 0) {
      return List.of(message);
    }
    return Arrays.stream(message.substring(start).split("; (?=" + top + "\\.)")).map(String::strip).toList();
  }

  private static final Object NO_VALUE = new Object();

  /** The YAML value as the component's type, or {@link #NO_VALUE} with a problem added. */
  private static Object convert(JsonNode node, Type type, String path, List<String> problems) {
    if (type == int.class) {
      if (node.isIntegralNumber() && node.canConvertToInt()) {
        return node.intValue();
      }
      return problem(problems, path, node, "an integer");
    }
    if (type == long.class) {
      if (node.isIntegralNumber() && node.canConvertToLong()) {
        return node.longValue();
      }
      return problem(problems, path, node, "an integer");
    }
    if (type == double.class) {
      if (node.isNumber()) {
        return node.doubleValue();
      }
      return problem(problems, path, node, "a number");
    }
    if (type == boolean.class) {
      if (node.isBoolean()) {
        return node.booleanValue();
      }
      return problem(problems, path, node, "true or false");
    }
    if (type == String.class) {
      if (node.isTextual()) {
        return node.textValue();
      }
      return problem(problems, path, node, "a string");
    }
    if (type == URI.class) {
      return uri(node, path, problems);
    }
    if (type instanceof Class<?> c && c.isEnum()) {
      if (node.isTextual()) {
        for (Object constant : c.getEnumConstants()) {
          if (((Enum<?>) constant).name().equals(node.textValue())) {
            return constant;
          }
        }
      }
      return problem(problems, path, node, "one of " + Arrays.stream(c.getEnumConstants())
          .map(e -> ((Enum<?>) e).name()).collect(Collectors.joining(", ")));
    }
    if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
      Type element = p.getActualTypeArguments()[0];
      if (!node.isArray()) {
        return problem(problems, path, node, "a list");
      }
      List<Object> list = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < node.size(); i++) {
        Object value = element == IceServer.class ? iceServer(node.get(i), path + "[" + i + "]", problems)
            : convert(node.get(i), element, path + "[" + i + "]", problems);
        if (value == NO_VALUE) {
          ok = false;
        } else {
          list.add(value);
        }
      }
      return ok ? List.copyOf(list) : NO_VALUE;
    }
    if (type instanceof ParameterizedType p && p.getRawType() == Map.class
        && p.getActualTypeArguments()[0] == String.class && p.getActualTypeArguments()[1] == String.class) {
      if (!node.isObject()) {
        return problem(problems, path, node, "a mapping");
      }
      Map<String, String> map = new LinkedHashMap<>();
      boolean ok = true;
      for (Map.Entry<String, JsonNode> entry : node.properties()) {
        if (entry.getValue().isTextual()) {
          map.put(entry.getKey(), entry.getValue().textValue());
        } else {
          problem(problems, path + "." + entry.getKey(), entry.getValue(), "a string");
          ok = false;
        }
      }
      return ok ? map : NO_VALUE;
    }
    throw new IllegalStateException(path + ": no YAML form for " + type);
  }

  private static Object uri(JsonNode node, String path, List<String> problems) {
    if (!node.isTextual()) {
      return problem(problems, path, node, "a URL");
    }
    try {
      return new URI(node.textValue().strip());
    } catch (URISyntaxException e) {
      return problem(problems, path, node, "a URL: " + e.getReason());
    }
  }

  private static Object iceServer(JsonNode node, String path, List<String> problems) {
    if (!node.isObject()) {
      return problem(problems, path, node, "a mapping with urls, and username and credential for TURN");
    }
    List<String> urls = new ArrayList<>();
    String username = null;
    String credential = null;
    boolean ok = true;
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      JsonNode value = entry.getValue();
      switch (entry.getKey()) {
        case "urls" -> {
          if (value.isTextual()) {
            urls.add(value.textValue());
          } else if (value.isArray() && value.size() > 0
              && java.util.stream.StreamSupport.stream(value.spliterator(), false).allMatch(JsonNode::isTextual)) {
            value.forEach(url -> urls.add(url.textValue()));
          } else {
            problem(problems, path + ".urls", value, "a URL or a list of URLs");
            ok = false;
          }
        }
        case "username", "credential" -> {
          if (value.isTextual()) {
            if (entry.getKey().equals("username")) {
              username = value.textValue();
            } else {
              credential = value.textValue();
            }
          } else {
            problem(problems, path + "." + entry.getKey(), value, "a string");
            ok = false;
          }
        }
        default -> {
          problems.add(path + "." + entry.getKey() + ": unknown key (expected one of: urls, username, credential)");
          ok = false;
        }
      }
    }
    if (!ok) {
      return NO_VALUE;
    }
    try {
      return new IceServer(urls, username, credential);
    } catch (IllegalArgumentException e) {
      problems.add(path + ": " + e.getMessage());
      return NO_VALUE;
    }
  }

  private static Object problem(List<String> problems, String path, JsonNode node, String expected) {
    problems.add(path + ": " + describe(node) + " (expected: " + expected + ")");
    return NO_VALUE;
  }

  private static int indexOf(RecordComponent[] components, String name) {
    for (int i = 0; i < components.length; i++) {
      if (components[i].getName().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> keys(Section section) {
    List<String> keys = new ArrayList<>();
    for (RecordComponent component : section.type().getRecordComponents()) {
      if (!section.codeOnly().contains(component.getName()) || section == AGENT) {
        keys.add(component.getName());
      }
    }
    return keys;
  }

  private static Object valueOf(RecordComponent component, Record record) {
    try {
      return component.getAccessor().invoke(record);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every YAML key with its default as docs/configuration.md writes it: {@code agent.minPeers}
   * to {@code 1}, lists and maps empty by default to {@code none}, the tracker URL to
   * {@code (required)}.
   */
  static Map<String, String> reference() {
    Map<String, String> reference = new LinkedHashMap<>();
    for (Section section : List.of(AGENT, INTEGRITY, CDN, SCHEDULER, PROXY, STORE, PLAYER)) {
      for (RecordComponent component : section.type().getRecordComponents()) {
        if (section.codeOnly().contains(component.getName())) {
          continue;
        }
        String path = section.path() + "." + component.getName();
        Object value = valueOf(component, section.defaults());
        reference.put(path, path.equals("agent.trackerUrl") ? "(required)" : render(value));
      }
    }
    return reference;
  }

  private static String render(Object value) {
    if (value instanceof Collection<?> c && c.isEmpty() || value instanceof Map<?, ?> m && m.isEmpty()) {
      return "none";
    }
    if (value instanceof Enum<?> e) {
      return e.name();
    }
    return String.valueOf(value);
  }

  private static String describe(JsonNode node) {
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isTextual()) {
      return "the string " + node;
    }
    return node.toString();
  }
}
