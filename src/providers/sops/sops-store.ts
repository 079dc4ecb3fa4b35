export const createStore = () => {
  throw new Error("todo");
};
